"""Run crawls in this process and summarise them per site."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.ops.runs import run_verdict
from crawler.rasdconfig import RasdConfig
from crawler.spiders.news import NewsSpider
from crawler.stats import ARTICLES_NEW, ARTICLES_UNCHANGED, ARTICLES_UPDATED, DUPLICATES, ERRORS, PAGES_FETCHED

SUMMARY_COLUMNS = ("fetched", "new", "updated", "unchanged", "duplicates", "errors")


@dataclass
class CrawlSummary:
    site: str
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    errors: int = 0
    finish_reason: str = ""
    status: str = ""   # ok / degraded / failed / interrupted (crawler.ops.runs.run_verdict)
    reason: str = ""   # why, when not ok
    stats: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_stats(cls, site: str, stats: dict[str, Any]) -> CrawlSummary:
        status, reason = run_verdict(stats)
        return cls(
            site=site,
            fetched=stats.get(PAGES_FETCHED, 0),
            new=stats.get(ARTICLES_NEW, 0),
            updated=stats.get(ARTICLES_UPDATED, 0),
            unchanged=stats.get(ARTICLES_UNCHANGED, 0),
            duplicates=stats.get(DUPLICATES, 0),
            errors=stats.get(ERRORS, 0),
            finish_reason=str(stats.get("finish_reason", "")),
            status=status,
            reason=reason,
            stats=stats,
        )


def project_settings(config: RasdConfig, user: Iterable[tuple[str, str]] = (), **overrides: Any) -> Settings:
    """Project settings, then the entry point's configuration, then Rasd's own overrides,
    then the user's ``-s NAME=VALUE`` — the user's word is last, so ``-s LOG_LEVEL=DEBUG``
    beats the CLI's quiet default."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for key, value in [*config.scrapy_settings().items(), *overrides.items(), *user]:
        if value is not None:
            settings.set(key, value, priority="cmdline")
    return settings


def crawl(site_names: list[str], settings: Settings) -> list[CrawlSummary]:
    """Crawl the sites concurrently in one reactor run; blocks until all are done."""
    process = CrawlerProcess(settings)
    crawlers = []
    for name in site_names:
        crawler = process.create_crawler(NewsSpider)
        process.crawl(crawler, site=name)
        crawlers.append((name, crawler))
    process.start()
    return [CrawlSummary.from_stats(name, c.stats.get_stats()) for name, c in crawlers]
