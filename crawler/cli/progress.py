"""Progress on stderr while ``rasd crawl`` runs: a line per site every few seconds."""

from __future__ import annotations

import sys
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.stats import ARTICLES_NEW, ERRORS, PAGES_FETCHED

INTERVAL = 5.0


class Progress:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("RASD_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: object) -> None:
        self.loop = task.LoopingCall(self.report)
        self.loop.start(INTERVAL, now=False)

    def spider_closed(self, spider: object) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()

    def report(self) -> None:
        stats = self.crawler.stats.get_stats()
        site = getattr(self.crawler.spider, "site_name", "?")
        print(
            f"  {site}: {stats.get(PAGES_FETCHED, 0)} fetched, "
            f"{stats.get(ARTICLES_NEW, 0)} new, {stats.get(ERRORS, 0)} errors",
            file=sys.stderr, flush=True,
        )
