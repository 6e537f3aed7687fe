"""robots.txt is obeyed (ROBOTSTXT_OBEY) unless a site's config opts out explicitly with
``obey_robots = false``; that choice is logged at every crawl so nobody makes it silently."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler

from crawler.stats import ROBOTS_OPT_OUT

logger = logging.getLogger(__name__)


class SiteRobotsPolicy:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.opted_out = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider: Any) -> None:
        site = getattr(spider, "site", None)
        self.opted_out = site is not None and not site.obey_robots
        if site is not None and self.opted_out and self.crawler.settings.getbool("ROBOTSTXT_OBEY"):
            logger.warning("robots.txt is NOT obeyed for site %s: obey_robots = false in %s",
                           site.name, site.path)
            self.crawler.stats.set_value(ROBOTS_OPT_OUT, True)

    def process_request(self, request: Request) -> None:
        if self.opted_out:
            request.meta.setdefault("dont_obey_robotstxt", True)
