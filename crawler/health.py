"""Per-site health for ``rasd sites``: is each site still delivering articles?

Read from what crawls leave behind — the newest stored article per site and, when the
scheduler records them, the latest document in the ``runs`` collection — so it needs no
extra bookkeeping and works the same on MongoDB and the embedded store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.config import SiteConfig
from crawler.store import Store, utcnow

DAY = timedelta(days=1)
# A site is stale when nothing new arrived for this many schedule intervals (and at least a day).
STALE_INTERVALS = 4


@dataclass
class SiteHealth:
    status: str  # never crawled | ok | stale | failing
    last_article: datetime | None = None
    articles_24h: int = 0
    last_run: datetime | None = None
    last_run_errors: int | None = None

    def summary(self, now: datetime | None = None) -> str:
        if self.status == "never crawled":
            return self.status
        parts = [self.status]
        if self.last_article:
            parts.append(f"last new article {ago(self.last_article, now)}")
        parts.append(f"{self.articles_24h} in 24h")
        return ", ".join(parts)


def ago(when: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or utcnow()) - _aware(when)).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def site_health(store: Store, site: SiteConfig, now: datetime | None = None) -> SiteHealth:
    now = now or utcnow()
    newest = next(iter(store.articles.find({"site": site.name}, {"first_seen": 1})
                       .sort([("first_seen", -1)]).limit(1)), None)
    run = _latest_run(store, site.name)
    if newest is None and run is None:
        return SiteHealth("never crawled")
    last_article = _aware(newest["first_seen"]) if newest else None
    recent = store.articles.count_documents({"site": site.name, "first_seen": {"$gte": now - DAY}})
    health = SiteHealth("ok", last_article, recent)
    if run is not None:
        health.last_run = _aware(run["started"]) if isinstance(run.get("started"), datetime) else None
        errors = run.get("errors")
        health.last_run_errors = errors if isinstance(errors, int) else None
        fetched = run.get("fetched")
        if (health.last_run_errors or run.get("status") == "failed") and not fetched:
            health.status = "failing"
            return health
    interval = timedelta(seconds=site.schedule_seconds() or 3600)
    if last_article is None or now - last_article > max(DAY, STALE_INTERVALS * interval):
        health.status = "stale"
    return health


def _latest_run(store: Store, site: str) -> dict[str, Any] | None:
    return next(iter(store.runs.find({"site": site}).sort([("started", -1)]).limit(1)), None)
