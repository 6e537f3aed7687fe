"""``rasd schedule --redis``: at each site's slot, open a run in Redis for the workers.

Same plans, triggers and due-checks as the local scheduler (:mod:`crawler.ops.scheduler`);
only what a slot does differs: no child process, just the site's entry points queued
(:func:`crawler.distributed.enqueue.enqueue_site`). Runs of a site never overlap: a slot
whose previous run is still open in Redis is skipped. One scheduler is active per Redis
(a key with an expiry, renewed while it lives); a second one waits as a hot standby and
takes over within a lock period of the first one's death.
"""

from __future__ import annotations

import logging
import signal
from typing import Any

import redis
from scrapy.settings import Settings

from crawler.distributed import keys
from crawler.distributed.connection import REDIS_ERRORS
from crawler.distributed.enqueue import enqueue_site
from crawler.ops.runs import latest_run
from crawler.ops.scheduler import CrawlScheduler, Options
from crawler.storage.store import DATABASE_ERRORS, mask_secrets, open_store, utcnow

logger = logging.getLogger("rasd.schedule")

LOCK_TTL = 15.0  # seconds a dead scheduler keeps the standby waiting
# Renew only our own lock: a scheduler that was away too long must not steal it back.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return false
"""
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
# A slot's own failures: the store or Redis away. A named, typed tuple: mypy joins the two
# unpacked tuples' classes to plain `type` and would not take it as exception classes.
_SLOT_ERRORS: tuple[type[BaseException], ...] = (*DATABASE_ERRORS, *REDIS_ERRORS)


class RedisCrawlScheduler(CrawlScheduler):
    def __init__(self, sites: Any, options: Options, server: redis.Redis, settings: Settings) -> None:
        super().__init__(sites, options)
        self.server = server
        self.settings = settings
        self.lock_ttl = settings.getfloat("RASD_SCHEDULER_LOCK_TTL", LOCK_TTL)

    def serve(self) -> int:
        """Wait to be the active scheduler, schedule until SIGTERM or until the lock is lost."""
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        waiting_logged = False
        while not self.stopping.is_set():
            if self._lock("SET"):
                break
            if not waiting_logged:
                logger.info("another scheduler is active on this Redis; standing by (%s)", self.owner)
                waiting_logged = True
            self.stopping.wait(self.lock_ttl / 3)
        if self.stopping.is_set():
            return 0
        logger.info("scheduler %s is the active one", self.owner)
        self.start()
        while not self.stopping.wait(self.lock_ttl / 3):
            if not self._lock("RENEW"):
                logger.error("lost the scheduler lock (Redis unreachable too long?): stopping, "
                             "another scheduler may be active now")
                self.stopping.set()
        self.scheduler.shutdown(wait=True)
        try:
            self.server.eval(_RELEASE, 1, keys.SCHEDULER, self.owner)
        except REDIS_ERRORS:
            pass
        logger.info("scheduler stopped")
        return 0

    def _lock(self, how: str) -> bool:
        ttl = int(self.lock_ttl * 1000)
        try:
            if how == "SET":
                return bool(self.server.set(keys.SCHEDULER, self.owner, nx=True, px=ttl))
            return bool(self.server.eval(_RENEW, 1, keys.SCHEDULER, self.owner, ttl))
        except REDIS_ERRORS as exc:
            logger.warning("Redis unavailable for the scheduler lock: %s", exc)
            return False

    def run_site(self, name: str) -> None:
        """The slot: queue the site's entry points for the workers, unless it was crawled
        recently (another scheduler before a takeover) or its last run is still open."""
        if self.stopping.is_set():
            return
        site = self.sites[name]
        try:
            with open_store(self.options.config.db) as store:
                last = latest_run(store, name)
                if last and last.get("status") != "running" and not site.crawl_schedule.is_due(
                        last.get("started"), utcnow(), share=0.5):
                    logger.info("%s: skipped, crawled at %s", name, last["started"])
                    return
                run_id = enqueue_site(self.server, store, self.settings, name, "schedule",
                                      scheduler=self.owner)
        except _SLOT_ERRORS as exc:
            logger.error("%s: cannot open a run: %s", name, mask_secrets(str(exc)))
            return
        if run_id is None:
            logger.info("%s: skipped, its previous run is still open in Redis", name)
        else:
            logger.info("%s: run %s queued for the workers", name, run_id)
