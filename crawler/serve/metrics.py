"""/metrics in the Prometheus text format (prometheus-client), read from the store at each
scrape, so every instance of ``rasd serve`` reports the same numbers and none keeps state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from crawler.config import SiteConfig
from crawler.serve import reads
from crawler.storage.store import Store, utcnow

ERROR_WINDOW = timedelta(hours=24)


class StoreCollector:
    def __init__(self, store: Store, sites: list[SiteConfig], db: str, spool: str | None) -> None:
        self.store, self.sites, self.db, self.spool = store, sites, db, spool

    def collect(self) -> Iterator[Metric]:
        store = self.store
        yield from _Up(1).collect()
        stored = GaugeMetricFamily("rasd_articles", "Articles stored, by site", labels=["site"])
        for site, n in reads.site_counts(store, reads.ArticleQuery()).items():
            stored.add_metric([site], n)
        yield stored

        newest = GaugeMetricFamily("rasd_article_last_first_seen_timestamp_seconds",
                                   "When the newest article of the site was first stored", labels=["site"])
        for site, when in reads.newest_first_seen(store).items():
            newest.add_metric([site], when.timestamp())
        yield newest

        health = reads.site_health(store, self.sites)
        fresh = GaugeMetricFamily("rasd_articles_first_seen_24h", "Articles first seen in the last 24 hours",
                                  labels=["site"])
        success = GaugeMetricFamily("rasd_last_success_timestamp_seconds", "Start of the last successful run",
                                    labels=["site"])
        state = GaugeMetricFamily("rasd_site_healthy", "1 when the site is healthy (rasd status)",
                                  labels=["site", "state"])
        failures = GaugeMetricFamily("rasd_site_consecutive_failures", "Failed runs in a row", labels=["site"])
        for h in health:
            fresh.add_metric([h.site], h.articles_24h)
            if h.last_success:
                success.add_metric([h.site], h.last_success.timestamp())
            state.add_metric([h.site, h.state], 1 if h.state == "healthy" else 0)
            failures.add_metric([h.site], h.consecutive_failures)
        yield from (fresh, success, state, failures)

        runs = GaugeMetricFamily("rasd_runs", "Recorded runs, by site and status", labels=["site", "status"])
        for (site, status), n in sorted(reads.run_counts(store).items()):
            runs.add_metric([site, status], n)
        yield runs

        recent = reads.find_runs(store, since=utcnow() - ERROR_WINDOW, limit=0)
        duration = GaugeMetricFamily("rasd_last_run_duration_seconds", "Duration of the site's last finished run",
                                     labels=["site"])
        errors = GaugeMetricFamily("rasd_run_errors_24h", "Errors of runs started in the last 24 hours, by kind",
                                   labels=["site", "kind"])
        last_duration: dict[str, float] = {}
        error_counts: dict[tuple[str, str], int] = {}
        for run in recent:  # newest first
            site = run.get("site") or ""
            if run.get("duration") is not None:
                last_duration.setdefault(site, run["duration"])
            for kind, n in (run.get("errors") or {}).items():
                error_counts[site, kind] = error_counts.get((site, kind), 0) + n
        for site, seconds in sorted(last_duration.items()):
            duration.add_metric([site], seconds)
        for (site, kind), n in sorted(error_counts.items()):
            errors.add_metric([site, kind], n)
        yield from (duration, errors)

        backlog = GaugeMetricFamily("rasd_spool_backlog", "Records waiting in the spool for the database",
                                    labels=["kind"])
        for kind, n in sorted(reads.spool_backlog(self.db, self.spool).items()):
            backlog.add_metric([kind], n)
        yield backlog


def render_metrics(store: Store, sites: list[SiteConfig], db: str, spool: str | None) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, sites, db, spool))
    return generate_latest(registry)


def store_down_metrics() -> bytes:
    """What a scrape gets while the database is unavailable: rasd_store_up 0."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Up(0))
    return generate_latest(registry)


class _Up:
    def __init__(self, value: int) -> None:
        self.value = value

    def collect(self) -> Iterator[Any]:
        yield GaugeMetricFamily("rasd_store_up", "1 when the database answers", value=self.value)
