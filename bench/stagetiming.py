"""CPU seconds per pipeline stage, for the benchmark crawl only.

Each stage in ``pipelines.STAGES`` is subclassed with a timed ``process_item``, and the
benchmark crawl's RASD_OFFLINE_STAGES (run by the spider's callback) and ITEM_PIPELINES
point at the subclasses, so production crawls carry no timing code at all. Thread CPU time
is used: stages run on the reactor thread, and wall time on a shared machine would charge
the stages for other processes' work.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object

from pipelines import ARTICLE_STAGES, OFFLINE_STAGES

STAT_PREFIX = "bench/cpu_seconds/"


def stage_name(path: str) -> str:
    """``pipelines.parse.ParsePipeline`` -> ``parse``: the stage's module is its name."""
    return path.split(".")[-2]


def timed(path: str) -> type:
    stage = load_object(path)
    key = STAT_PREFIX + stage_name(path)

    class Timed(stage):  # type: ignore[misc, valid-type]
        cpu_seconds = 0.0

        def __init__(self, sites: Any, crawler: Crawler | None = None) -> None:
            # Both ways a stage is made (by the spider, or as an item pipeline) come here.
            super().__init__(sites, crawler)
            if crawler is not None:
                crawler.signals.connect(self.report, signal=signals.spider_closed)

        def process_item(self, item: Any) -> Any:
            start = time.thread_time()
            try:
                return super().process_item(item)
            finally:
                # A plain attribute: Scrapy 2.19's stats methods cost tens of microseconds a call.
                self.cpu_seconds += time.thread_time() - start

        def report(self) -> None:
            self.crawler.stats.set_value(key, self.cpu_seconds)

    Timed.__name__ = Timed.__qualname__ = f"Timed{stage.__name__}"
    return Timed


def timed_stages() -> dict[str, Any]:
    """RASD_OFFLINE_STAGES and ITEM_PIPELINES with every stage timed, in the production order."""
    after = enumerate(ARTICLE_STAGES, len(OFFLINE_STAGES))
    return {"RASD_OFFLINE_STAGES": [timed(path) for path in OFFLINE_STAGES],
            "ITEM_PIPELINES": {timed(path): (i + 1) * 100 for i, path in after}}


class CrawlClock:
    """Process CPU seconds between spider open and close, so start-up and import time are
    not charged to the articles."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.started = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlClock:
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider: object) -> None:
        self.started = time.process_time()

    def closed(self, spider: object) -> None:
        self.crawler.stats.set_value("bench/crawl_cpu_seconds", time.process_time() - self.started)
