"""Stage 6 — store: articles into MongoDB or the embedded store.

When the database is down the articles wait in the local spool (crawler.storage.failover) and the
run is marked degraded in its stats; a periodic retry stores them as soon as the database is
back, else the next run does before it crawls.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Item
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler import stats as keys  # named so: failover.SPOOLED is the store outcome
from crawler.items import Article
from crawler.model import ARTICLE, RAW_PAGE, fields_with
from crawler.resources import crawl_resources
from crawler.storage.failover import SPOOLED, FailoverStore, RejectedDocument
from pipelines.base import Stage

logger = logging.getLogger(__name__)

TRANSIENT = fields_with("transient", RAW_PAGE, ARTICLE)
MAX_BACKOFF = 16  # retry intervals between attempts, at most


def to_document(item: Item) -> dict[str, Any]:
    doc = {k: v for k, v in ItemAdapter(item).items() if k not in TRANSIENT and v is not None}
    doc.setdefault("duplicate_of", None)
    return doc


class StorePipeline(Stage):
    def open_spider(self) -> None:
        assert self.crawler is not None  # an item pipeline: always made by a crawler
        settings = self.crawler.settings
        # The crawl's failover store, on the connection the spider and the run record share.
        self.store: FailoverStore = crawl_resources(self.crawler).failover()
        self._ticks, self._wait = 0, 1
        self.store.open()
        self._last_attempt = time.monotonic()
        self._publish()
        self.retry_loop: task.LoopingCall | None = None
        interval = settings.getfloat("RASD_STORE_RETRY_INTERVAL", 30.0)
        if interval > 0:
            self.retry_loop = task.LoopingCall(self.retry)
            self.retry_loop.start(interval, now=False)

    def retry(self) -> None:
        """Periodic: keep the spool synced, and bring the database back when it returns.
        Failed attempts back off (doubling, up to MAX_BACKOFF intervals): an attempt on a
        dead MongoDB blocks the crawl for the server-selection timeout."""
        self.store.spool.sync()
        self._ticks += 1
        if self._ticks < self._wait or (self.store.up and not self.store.backlog):
            return
        self._ticks = 0
        ok = self.store.retry()
        self._last_attempt = time.monotonic()
        self._wait = 1 if ok else min(self._wait * 2, MAX_BACKOFF)
        self._publish()

    def close_spider(self) -> None:
        if self.retry_loop is not None and self.retry_loop.running:
            self.retry_loop.stop()
        interval = self.crawler.settings.getfloat("RASD_STORE_RETRY_INTERVAL", 30.0) if self.crawler else 0
        if self.store.backlog and (self.store.up or time.monotonic() - self._last_attempt >= interval):
            self.store.retry()  # a last chance, unless the database failed moments ago
        self.store.close()
        self._publish()
        waiting = self.store.waiting()
        if self.crawler is not None:
            self.crawler.stats.set_value(keys.SPOOL_WAITING, waiting)
        if waiting:
            logger.warning("%d article(s) wait in the spool at %s; the next run stores them "
                           "(see `rasd spool`)", waiting, self.store.spool.directory)

    def process_item(self, item: Article) -> Article:
        site = self.site(item)
        try:
            result = self.store.save(to_document(item),
                                     drop_duplicates=bool(site and site.drop_duplicates))
        except RejectedDocument as exc:
            self.error("store_rejected", str(exc))
            raise DropItem(f"the database rejected {item['url']}") from exc
        except OSError as exc:
            self.error("spool_unavailable", f"{item['url']}: {exc}")
            self.inc(keys.LOST)
            if self.crawler is not None and self.crawler.engine is not None:
                # Nothing fetched from now on could be kept: stop, the next run refetches.
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="database_and_spool_unavailable"))
            raise DropItem(f"neither the database nor the spool can take {item['url']}") from exc
        self._publish()
        if result.outcome != SPOOLED:
            self.inc(keys.articles(result.outcome))
            if result.outcome in ("alias", "duplicate") or (result.outcome == "new" and result.duplicate_of):
                self.inc(keys.DUPLICATES)
            if result.outcome == "updated":
                self.inc(keys.VERSIONS)
        if self.crawler is not None and self.crawler.settings.getbool("RASD_PROGRESS"):
            note = f" (duplicate of {result.duplicate_of})" if result.duplicate_of else ""
            logger.info("%s %s %s%s", result.outcome, item["site"], item["url"], note)
        return item

    def _publish(self) -> None:
        """Mirror the failover counters into stats (degraded, spooled, replayed, store
        outages, replayed articles by outcome) and outage messages as store_unavailable
        errors."""
        if self.crawler is None:
            return
        stats, counts = self.crawler.stats, self.store.counts
        for key, value in ((keys.SPOOLED, counts.spooled), (keys.REPLAYED, counts.replayed),
                           (keys.STORE_OUTAGES, counts.outages), (keys.SPOOL_TORN, counts.torn),
                           (keys.SPOOL_CORRUPT, counts.corrupt)):
            if value:
                stats.set_value(key, value)
        if counts.degraded:
            stats.set_value(keys.DEGRADED, True)
        for outcome, n in counts.outcomes.items():
            stats.inc_value(keys.articles(outcome), n)
        counts.outcomes.clear()
        for message in counts.errors:
            self.error("store_unavailable", message)
        counts.errors.clear()
