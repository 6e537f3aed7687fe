"""Open a run of a site in Redis with its entry points in the shared frontier."""

from __future__ import annotations

import asyncio

import redis
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from crawler.distributed import keys
from crawler.distributed.frontier import ReliableQueue
from crawler.distributed.runs import open_run
from crawler.distributed.spider import DistributedNewsSpider
from crawler.storage.store import Store


def encoded_entries(server: redis.Redis, site: str, settings: Settings, run_id: str, backfill: bool) -> list[bytes]:
    """The requests a local crawl of the site would start with, from the very spider code
    the workers run, encoded as scrapy-redis does, so they name callbacks workers know."""
    settings = settings.copy()
    settings.set("RASD_INCREMENTAL", False, priority="cmdline")  # no store needed to list entry points
    crawler = Crawler(DistributedNewsSpider, settings)
    crawler.stats = MemoryStatsCollector(crawler)
    spider = DistributedNewsSpider.from_crawler(crawler, site=site, run_id=run_id, backfill=backfill)
    queue = ReliableQueue(server, spider, keys.requests(site), "")
    return [queue.encode(r) for r in asyncio.run(spider.entry_requests())]


def enqueue_site(server: redis.Redis, store: Store, settings: Settings, site: str, trigger: str,
                 backfill: bool = False, **extra: object) -> str | None:
    """Open the site's run with its entry points queued; None when one is still open."""
    return open_run(server, store, site, trigger, backfill,
                    lambda run_id: encoded_entries(server, site, settings, run_id, backfill), **extra)
