"""Site health from the run records: healthy, degraded, blocked or failing, with the reason
in words. *Blocked* (the site refused us: 401/403/429, a bot challenge, a feed emptied for
bots) is told apart from *failing* (gone, moved, selectors broken) because the cure differs:
another network, rendering or a slower rate rather than a config fix.

The point is to notice what every news scraper's users complain about: a site that silently
stops yielding articles (a redesign broke the selectors, the site blocks us, the feed moved).
So besides crawls that fail outright, runs that succeed but find no articles, pages that
no longer parse, and a site that has yielded no new article for days count against it.
Used by ``rasd status``, ``rasd sites`` and the scheduler's alerts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crawler.config import SiteConfig
from crawler.model import fields_with
from crawler.ops.runs import FINISHED_STATUSES, SITE_OK_STATUSES, articles_seen, settle_orphaned_runs
from crawler.storage.query import iso
from crawler.storage.store import Store, utcnow

HEALTHY, DEGRADED, BLOCKED, FAILING = "healthy", "degraded", "blocked", "failing"
FAILING_AFTER = 3         # failed runs, or runs without a single article, in a row
PARSE_FAILURE_LIMIT = 0.2  # share of fetched pages without title or body
RECENT_RUNS = 20
STALE_PERIODS = 3         # no successful run for this many schedule periods: the schedule stalled
QUIET_PERIODS = 4         # no new article for this many schedule periods (and at least a day)


@dataclass
class SiteHealth:
    site: str
    state: str
    reason: str
    last_run: datetime | None = None
    last_status: str | None = None
    last_success: datetime | None = None
    consecutive_failures: int = 0
    zero_article_runs: int = 0
    articles_24h: int = 0
    parse_failure_rate: float | None = None
    blocked: list[str] = field(default_factory=list)  # evidence of the latest refusals
    advice: str | None = None                          # what to try about them

    def public(self) -> dict[str, Any]:
        return {k: iso(v) for k, v in asdict(self).items()}


def ago(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def _failure_words(run: dict[str, Any]) -> str:
    if run.get("status") == "timeout":
        return f"timed out after {ago(run.get('duration') or 0)}"
    samples = run.get("error_samples") or []
    kinds = run.get("errors") or {}
    if samples:
        return samples[-1]
    if kinds:
        return ", ".join(f"{n}× {k}" for k, n in sorted(kinds.items()))
    return f"finished with {run.get('finish_reason') or 'no usable response'}"


def assess(site: SiteConfig, runs: list[dict[str, Any]], articles_24h: int,
           now: datetime | None = None, newest_article: datetime | None = None) -> SiteHealth:
    """``runs`` newest first. Interrupted runs (the scheduler was stopped) say nothing about
    the site and are skipped; a run still going is shown but not judged."""
    now = now or utcnow()
    finished = [r for r in runs if r.get("status") in FINISHED_STATUSES and r["status"] != "interrupted"]
    health = SiteHealth(site=site.name, state=HEALTHY, reason="", articles_24h=articles_24h)
    if runs:
        health.last_run, health.last_status = runs[0].get("started"), runs[0].get("status")
    ok_runs = [r for r in finished if r["status"] in SITE_OK_STATUSES]
    health.last_success = ok_runs[0].get("started") if ok_runs else None

    for run in finished:
        if run["status"] in SITE_OK_STATUSES:
            break
        health.consecutive_failures += 1
    for run in finished:
        if run["status"] not in SITE_OK_STATUSES:
            if health.zero_article_runs:
                break
            continue
        if articles_seen(run):
            break
        health.zero_article_runs += 1
    fetched = sum(r.get("fetched", 0) for r in ok_runs)
    if fetched:
        failed = sum(max((r.get("parse_failures") or {}).get(f, 0) for f in fields_with("required")) for r in ok_runs)
        health.parse_failure_rate = round(failed / fetched, 3)

    latest = finished[0] if finished else {}
    if latest.get("blocked"):
        health.blocked, health.advice = list(latest["blocked"]), latest.get("blocked_advice")
    health.state, health.reason = _verdict(site, health, finished, now, newest_article)
    return health


def _verdict(site: SiteConfig, h: SiteHealth, finished: list[dict[str, Any]],
             now: datetime, newest_article: datetime | None) -> tuple[str, str]:
    if not finished and newest_article is None:
        return DEGRADED, "never crawled" if h.last_run is None else "first crawl not finished yet"
    last = finished[0] if finished else {}
    if last.get("status") == "blocked":
        blocked_runs = next((i for i, r in enumerate(finished) if r.get("status") != "blocked"), len(finished))
        plural = "s" if blocked_runs > 1 else ""
        evidence = h.blocked[0] if h.blocked else _failure_words(last)
        return BLOCKED, (f"last {blocked_runs} run{plural} refused by the site ({evidence})"
                         + (f"; {h.advice}" if h.advice else ""))
    if h.consecutive_failures >= FAILING_AFTER:
        return FAILING, f"last {h.consecutive_failures} runs failed: {_failure_words(last)}"
    if h.zero_article_runs >= FAILING_AFTER:
        return FAILING, (f"last {h.zero_article_runs} runs found no articles "
                         "(feeds moved, site blocking us, or selectors broken by a redesign?)")
    if h.consecutive_failures:
        return DEGRADED, f"last run failed: {_failure_words(last)}"
    if h.zero_article_runs:
        plural = "s" if h.zero_article_runs > 1 else ""
        return DEGRADED, f"last {h.zero_article_runs} run{plural} found no articles"
    if h.blocked:
        return DEGRADED, (f"some requests refused ({h.blocked[0]})"
                          + (f"; {h.advice}" if h.advice else ""))
    if h.parse_failure_rate is not None and h.parse_failure_rate > PARSE_FAILURE_LIMIT:
        return DEGRADED, f"{h.parse_failure_rate:.0%} of fetched pages had no title or body (selectors outdated?)"
    stale_after = STALE_PERIODS * site.crawl_schedule.period() + site.max_duration
    if h.last_success and (now - h.last_success).total_seconds() > stale_after:
        return DEGRADED, (f"no successful run for {ago((now - h.last_success).total_seconds())} "
                          f"(schedule {site.schedule}): is the scheduler running?")
    quiet_after = max(86400.0, QUIET_PERIODS * site.crawl_schedule.period())
    if newest_article is None or (now - newest_article).total_seconds() > quiet_after:
        since = f"for {ago((now - newest_article).total_seconds())}" if newest_article else "ever"
        return DEGRADED, f"no new article {since} (schedule {site.schedule})"
    articles = last.get("articles") or {}
    return HEALTHY, (f"last run ok: {articles.get('new', 0)} new, {articles.get('updated', 0)} updated, "
                     f"{articles.get('unchanged', 0)} unchanged")


def site_health(store: Store, site: SiteConfig, now: datetime | None = None) -> SiteHealth:
    now = now or utcnow()
    runs = store.find_runs(site=site.name, limit=RECENT_RUNS)
    recent, newest = store.site_activity(site.name, now - timedelta(hours=24))
    return assess(site, runs, recent, now, newest)


def all_health(store: Store, sites: Iterable[SiteConfig]) -> list[SiteHealth]:
    settle_orphaned_runs(store)
    now = utcnow()
    return [site_health(store, s, now) for s in sites]
