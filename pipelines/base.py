"""What every stage shares: the crawler's settings, site configs and stats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from scrapy.crawler import Crawler

from crawler.config import SiteConfig
from crawler.errors import record_error
from crawler.resources import crawl_resources
from crawler.stats import PREFIX
from crawler.urls import canonical_url


class Stage:
    """A pipeline stage that also runs without a crawler (``rasd parse``): then ``sites``
    is given directly and stats go nowhere."""

    def __init__(self, sites: dict[str, SiteConfig], crawler: Crawler | None = None) -> None:
        self.sites = sites
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """As an item pipeline: the crawl's site configs (crawler.resources)."""
        return cls(crawl_resources(crawler).sites, crawler)

    def site(self, item: Mapping[str, Any]) -> SiteConfig | None:
        name = item.get("site")
        return self.sites.get(name) if name else None

    def canonical(self, item: Mapping[str, Any], url: str) -> str:
        """The canonical form of a URL met on this item's page, with its site's origin."""
        site = self.site(item)
        return site.canonical(url) if site else canonical_url(url)

    def inc(self, key: str, count: int = 1) -> None:
        """Count in the crawl's stats; ``key`` is one of crawler.stats' names."""
        if not key.startswith(PREFIX):
            raise ValueError(f"stats key {key!r} is not one of crawler.stats' rasd/ keys")
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def error(self, kind: str, message: str) -> None:
        """A counted, sampled error in the run's stats (see crawler.errors)."""
        record_error(self.crawler.stats if self.crawler is not None else None, kind, message)

