"""Per-site health for ``rasd sites``: is each site still delivering articles?

Read from what crawls leave behind — the newest stored article per site and, when the
scheduler records them, the latest documents in the ``runs`` collection — so it works the
same on MongoDB and the embedded store and needs no bookkeeping of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crawler.config import SiteConfig
from crawler.store import Store, utcnow

HEALTHY, DEGRADED, FAILING = "healthy", "degraded", "failing"
FAILING_AFTER = 3      # failed runs in a row
STALE_INTERVALS = 4    # no new article for this many schedule intervals (and at least a day)
_FINISHED = ("ok", "failed", "timeout")


@dataclass
class SiteHealth:
    site: str
    state: str
    reason: str
    last_run: datetime | None = None
    articles_24h: int = 0


def ago(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size:.0f}{unit}"
    return f"{seconds:.0f}s"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def site_health(store: Store, site: SiteConfig, now: datetime | None = None) -> SiteHealth:
    now = now or utcnow()
    newest = next(iter(store.articles.find({"site": site.name}, {"first_seen": 1})
                       .sort([("first_seen", -1)]).limit(1)), None)
    runs = list(store.runs.find({"site": site.name, "status": {"$in": list(_FINISHED)}})
                .sort([("started", -1)]).limit(FAILING_AFTER))
    recent = store.articles.count_documents({"site": site.name, "first_seen": {"$gte": now - timedelta(days=1)}})
    health = SiteHealth(site.name, HEALTHY, "", runs[0].get("started") if runs else None, recent)
    if newest is None and not runs:
        health.state, health.reason = DEGRADED, "never crawled"
        return health
    failures = next((i for i, run in enumerate(runs) if run.get("status") == "ok"), len(runs))
    if failures >= FAILING_AFTER:
        health.state, health.reason = FAILING, f"last {failures} runs failed"
        return health
    if failures:
        health.state, health.reason = DEGRADED, "last run failed"
        return health
    interval = timedelta(seconds=site.schedule_seconds() or 3600)
    quiet = now - _aware(newest["first_seen"]) if newest else None
    if quiet is None or quiet > max(timedelta(days=1), STALE_INTERVALS * interval):
        since = f"for {ago(quiet.total_seconds())}" if quiet else "ever"
        health.state, health.reason = DEGRADED, f"no new article {since} (schedule {site.schedule})"
        return health
    health.reason = f"last new article {ago(quiet.total_seconds())} ago"
    return health

