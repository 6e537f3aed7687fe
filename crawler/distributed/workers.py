"""The worker process: heartbeat, hand-back of dead workers' requests, one crawl per active run.

A worker runs one Scrapy crawler per site with an open run, all in one reactor, and adds
or ends them as runs open and close; with no run open it sits idle, polling Redis. Its
heartbeat key expires when it dies; any live worker then moves the dead one's processing
lists back to the queues (the reliable-queue pattern), so nothing it held is lost.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from typing import Any

import redis
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task
from twisted.python.failure import Failure

from crawler.config import SiteConfig
from crawler.distributed import keys
from crawler.distributed.connection import REDIS_ERRORS, connect, text
from crawler.distributed.frontier import HAND_BACK
from crawler.distributed.runs import close_run, overdue, run_is_backfill
from crawler.distributed.spider import DistributedNewsSpider
from crawler.storage.neardup import load_hashing
from crawler.storage.store import DATABASE_ERRORS, open_store

logger = logging.getLogger(__name__)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def reap(server: redis.Redis) -> int:
    """Hand back the requests of every worker whose heartbeat has expired; how many."""
    handed = 0
    for raw in server.smembers(keys.WORKERS):
        worker = text(raw)
        if server.exists(keys.heartbeat(worker)):
            continue
        for key in server.scan_iter(match=keys.processing_pattern(worker), count=100):
            site = text(key).split(":")[1]
            moved = int(server.eval(HAND_BACK, 2, key, keys.requests(site)))
            handed += moved
            logger.warning("worker %s is gone: %d request(s) of %s handed back", worker, moved, site)
        server.srem(keys.WORKERS, worker)
    return handed


class Worker:
    """Keeps this process's crawlers in step with the runs open in Redis."""

    def __init__(self, process: CrawlerProcess, settings: Settings, sites: dict[str, SiteConfig]) -> None:
        self.process = process
        self.settings = settings
        self.sites = sites
        self.id = settings["RASD_WORKER_ID"]
        self.server = connect(settings["RASD_REDIS_URL"])
        self.ttl = settings.getfloat("RASD_WORKER_HEARTBEAT") * 3
        self.crawling: dict[str, Any] = {}  # site -> its crawler in this process
        self.unknown: set[str] = set()
        self.failed: set[str] = set()  # runs whose crawl could not even start here: not retried
        self.away = False
        self.loop = task.LoopingCall(self.tick)
        self.stopping = threading.Event()

    def start(self) -> None:
        load_hashing()
        self.beat(self.server)  # listed before it can take any request
        threading.Thread(target=self.beat_forever, name="rasd-heartbeat", daemon=True).start()
        # New runs are looked for as often as an empty queue is (not once a heartbeat: a
        # worker joined a run up to 5 s late, a sixth of a 1,000-page crawl in the bench).
        self.loop.start(self.settings.getfloat("RASD_WORKER_POLL"), now=True).addErrback(
            lambda f: logger.error("worker loop failed: %s", f.getTraceback()))
        from twisted.internet import reactor  # the one CrawlerProcess installed, not the default

        # Twisted's interfaces declare their methods without self, which mypy binds one
        # argument off unless the mypy-zope plugin is in use (hence the ignore).
        reactor.addSystemEventTrigger("before", "shutdown", self.leave)  # type: ignore[arg-type]

    def tick(self) -> None:
        try:
            reap(self.server)
            runs = {text(k): text(v) for k, v in self.server.hgetall(keys.ACTIVE_RUNS).items()}
            for site, crawler in list(self.crawling.items()):
                spider = crawler.spider if crawler.crawling and crawler.engine and crawler.engine.running else None
                if spider is not None and runs.get(site) != spider.run_id:
                    self.leave_run(site, crawler)
            for site, run_id in runs.items():
                if site in self.sites and overdue(self.server, self.sites[site], run_id):
                    self.time_out(self.sites[site], run_id)
                elif site not in self.crawling and run_id not in self.failed:
                    self.join(site, run_id)
        except REDIS_ERRORS as exc:
            if not self.away:
                logger.warning("Redis unavailable (%s); worker %s keeps trying", exc, self.id)
            self.away = True
            return
        if self.away:
            logger.warning("Redis is back; worker %s goes on", self.id)
            self.away = False

    def leave_run(self, site: str, crawler: Any) -> None:
        """The run this crawl serves is over (timed out): stop now, not after the requests it
        already holds — up to CONCURRENT_REQUESTS of them, each waiting for the site's turn."""
        logger.info("run %s of %s is over: worker %s stops its share", crawler.spider.run_id, site, self.id)
        deferred_from_coro(crawler.stop_async()).addErrback(
            lambda f: logger.error("stopping the crawl of %s failed: %s", site, f.getTraceback()))

    def time_out(self, site: SiteConfig, run_id: str) -> None:
        """The run is over its site's max_duration: one worker closes it as timed out and
        clears the site's queue; every worker's crawl of it then falls idle and ends, as
        when a run is drained (``DistributedRunRecorder.spider_idle``)."""
        if not self.server.set(keys.run_closing(run_id), self.id, nx=True, ex=300):
            return  # another worker is closing it
        logger.warning("run %s of %s is over its time limit of %ds: stopping it", run_id, site.name,
                       site.max_duration)
        try:
            with open_store(self.settings["RASD_DB"]) as store:
                close_run(self.server, store, site, run_id, self.settings.get("RASD_ALERT_WEBHOOK"), timed_out=True)
        except DATABASE_ERRORS as exc:
            logger.warning("cannot write the run record of %s yet: %s", site.name, exc)
            self.server.delete(keys.run_closing(run_id))

    def beat_forever(self) -> None:
        """Beats from a thread of its own: a page that keeps the reactor busy for a few
        seconds must not get a live worker taken for dead (its requests fetched twice)."""
        server = connect(self.settings["RASD_REDIS_URL"])
        interval = self.settings.getfloat("RASD_WORKER_HEARTBEAT")
        while not self.stopping.wait(interval):
            try:
                self.beat(server)
            except REDIS_ERRORS:
                pass  # the reactor's loop reports Redis outages

    def beat(self, server: redis.Redis) -> None:
        """Alive for three more beats, and listed among the workers whose hands count."""
        pipe = server.pipeline(transaction=True)
        pipe.set(keys.heartbeat(self.id), os.getpid(), px=int(self.ttl * 1000))
        pipe.sadd(keys.WORKERS, self.id)
        pipe.execute()

    def join(self, site: str, run_id: str) -> None:
        if site not in self.sites:
            if site not in self.unknown:
                logger.error("run %s is for site %r, which this worker has no config for", run_id, site)
                self.unknown.add(site)
            return
        backfill = run_is_backfill(self.server, run_id)
        crawler = self.process.create_crawler(DistributedNewsSpider)
        self.crawling[site] = crawler
        logger.info("worker %s joins run %s of %s%s", self.id, run_id, site, " (backfill)" if backfill else "")
        done = self.process.crawl(crawler, site=site, run_id=run_id, backfill=backfill)
        done.addBoth(self._left, site, run_id)

    def _left(self, result: Any, site: str, run_id: str) -> None:
        self.crawling.pop(site, None)
        if isinstance(result, Failure):
            self.failed.add(run_id)
            logger.error("the crawl of %s failed in worker %s: %s", site, self.id, result.getTraceback())

    def leave(self) -> None:
        """A clean stop: no heartbeat to wait for (the crawlers already handed back)."""
        self.stopping.set()
        try:
            self.server.delete(keys.heartbeat(self.id))
            reap(self.server)
        except REDIS_ERRORS as exc:
            logger.warning("cannot sign off from Redis (%s): the heartbeat will expire", exc)
