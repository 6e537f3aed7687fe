"""One run record per site slot, however many workers serve it.

``rasd crawl --redis`` (or the scheduler) opens the run: the record is created with
:func:`crawler.ops.runs.new_run` and the site is marked active in Redis. Every worker adds
its stats to the run's Redis hash as it acknowledges requests (:mod:`.frontier`). When a
worker falls idle and finds the site's queue empty and no request in any worker's hands,
the run is over: one worker wins the right to close it and writes the record once, through
:mod:`crawler.ops.runs`, then judges the site's health as a manual crawl does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Self

import redis
from bson import ObjectId
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response

from crawler.config import SiteConfig
from crawler.distributed import keys
from crawler.distributed.connection import REDIS_ERRORS, text
from crawler.distributed.frontier import SAMPLE_STATS, Frontier, frontier_of
from crawler.ops.alerts import record_health
from crawler.ops.runs import (
    RunRecorder,
    apply_update,
    blocked_status,
    finish_run,
    new_run,
    run_status,
    stats_fields,
)
from crawler.stats import CONTENT_RESPONSES, DEGRADED
from crawler.storage.store import DATABASE_ERRORS, Store, utcnow

logger = logging.getLogger(__name__)

# Ends a run only if it is still the site's active one (a late worker must not end the next),
# and clears what is left of its frontier: nothing after a drained run, the rest of the site's
# queue and every worker's hands after a timed-out one (their acknowledgements then find
# nothing to remove, and the children they push are dropped: see frontier.PUSH_IF_ACTIVE).
_END_RUN = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[7])
  for _, key in ipairs(redis.call('KEYS', ARGV[3])) do redis.call('DEL', key) end
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return 1
"""


_DRAINED = """
if redis.call('LLEN', KEYS[1]) > 0 then return 0 end
if #redis.call('KEYS', ARGV[1]) > 0 then return 0 end
return 1
"""


def active_run(server: redis.Redis, site: str) -> str | None:
    run_id = server.hget(keys.ACTIVE_RUNS, site)
    return text(run_id) if run_id else None


def open_run(server: redis.Redis, store: Store, site: str, trigger: str, backfill: bool,
             entries: Callable[[str], list[bytes]], **extra: Any) -> str | None:
    """A new run of the site, its entry points queued (``entries(run_id)``, encoded), or None
    when a run of the site is still open: runs of a site never overlap. The queue is filled
    in the same transaction that makes the run active, so no worker can find it active and
    empty, and close it before it began."""
    if active_run(server, site):
        return None
    run_id = str(new_run(store, site, trigger, distributed=True, backfill=backfill, **extra))
    encoded = entries(run_id)
    with server.pipeline(transaction=True) as pipe:
        try:
            pipe.watch(keys.ACTIVE_RUNS)
            if pipe.hexists(keys.ACTIVE_RUNS, site):
                raise redis.WatchError
            pipe.multi()
            opened, _ = server.time()  # Redis's clock: the one every worker judges max_duration by
            pipe.hset(keys.run_info(run_id), mapping={"site": site, "backfill": int(backfill), "opened": opened})
            if encoded:
                pipe.lpush(keys.requests(site), *encoded)
            pipe.hset(keys.ACTIVE_RUNS, site, run_id)
            pipe.execute()
        except redis.WatchError:
            finish_run(store, ObjectId(run_id), "interrupted", "another run of the site opened at the same time")
            return None
    return run_id


def run_is_backfill(server: redis.Redis, run_id: str) -> bool:
    return server.hget(keys.run_info(run_id), "backfill") == b"1"


def drained(server: redis.Redis, site: str) -> bool:
    """Nothing left in the site's queue and nothing in any worker's hands, in one atomic
    look. Workers push a page's children in the same transaction that acknowledges the page,
    so the two are never both empty while work remains. Every processing list of the site
    counts, whether its worker is listed or not (one taken for dead while Redis was away
    still holds what it took since)."""
    return bool(server.eval(_DRAINED, 1, keys.requests(site), keys.processing(site, "*")))


def overdue(server: redis.Redis, site: SiteConfig, run_id: str) -> bool:
    """The run has been open longer than the site's ``max_duration`` (what the local
    scheduler kills a crawl process for)."""
    opened = server.hget(keys.run_info(run_id), "opened")
    return opened is not None and server.time()[0] - int(opened) >= site.max_duration


def close_run(server: redis.Redis, store: Store, site: SiteConfig, run_id: str, webhook: str | None,
              timed_out: bool = False) -> None:
    """Write the run's record from the sum of every worker's stats, then forget the run
    (and, when it ran out of time, the requests it had not reached)."""
    stats: dict[str, Any] = {text(k): int(v) for k, v in server.hgetall(keys.run_stats(run_id)).items()}
    for name in SAMPLE_STATS:
        stats[name] = [text(s) for s in server.lrange(keys.run_samples(run_id, name), 0, -1)]
    fields = stats_fields(stats)
    # content responses are summed over workers: did the site answer usefully at all
    status = blocked_status(run_status("finished", stats.get(CONTENT_RESPONSES, 0)), fields)
    fields.update(finish_reason="timeout" if timed_out else "finished",
                  status="degraded" if status == "ok" and stats.get(DEGRADED) else status)
    if timed_out:
        fields["status"] = "timeout"
    apply_update(store, {"_id": ObjectId(run_id), "set": fields})
    finish_run(store, ObjectId(run_id), fields["status"],
               f"stopped after exceeding max_duration ({site.max_duration}s)" if timed_out else None)
    record_health(store, site, webhook)
    server.eval(_END_RUN, 7, keys.ACTIVE_RUNS, keys.run_info(run_id), keys.run_stats(run_id),
                keys.seen(run_id), *(keys.run_samples(run_id, name) for name in SAMPLE_STATS),
                keys.requests(site.name), site.name, run_id, keys.processing(site.name, "*"))
    logger.info("run %s of %s closed: %s, %d request(s), %d new article(s)", run_id, site.name,
                fields["status"], fields["requests"], fields["articles"]["new"])


class DistributedRunRecorder(RunRecorder):
    """Replaces :class:`RunRecorder` in workers: a worker's share of a run is no record of
    its own. It keeps the worker's crawl of the site open while the run is (idle, not
    closed: scrapy-redis #107 is the opposite trap), and closes the run when it is over."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = super().from_crawler(crawler)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.site = spider.site_name
        # The engine asks the scheduler for work every few seconds when idle; a worker
        # should notice new requests sooner than Scrapy's default 5 s.
        self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = self.crawler.settings.getfloat("RASD_WORKER_POLL")

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        if response.status < 400 and not request.url.endswith("/robots.txt"):
            self.crawler.stats.inc_value(CONTENT_RESPONSES)

    def frontier(self) -> Frontier:
        frontier = frontier_of(self.crawler)
        if frontier is None:
            raise RuntimeError("a distributed run needs SCHEDULER = crawler.distributed.frontier.Frontier")
        return frontier

    def spider_idle(self, spider: Any) -> None:
        frontier = self.frontier()
        server = frontier.server
        try:
            if not frontier.flush_stats():
                raise DontCloseSpider
            frontier.release_orphans()
            if active_run(server, spider.site_name) != spider.run_id:
                return  # the run is over: this worker's crawl of the site ends
            if not drained(server, spider.site_name):
                raise DontCloseSpider
            if not server.set(keys.run_closing(spider.run_id), frontier.worker, nx=True, ex=300):
                raise DontCloseSpider  # another worker is writing the record
            with self.resources().store() as store:
                close_run(server, store, spider.site, spider.run_id, self.crawler.settings.get("RASD_ALERT_WEBHOOK"))
        except REDIS_ERRORS:
            raise DontCloseSpider from None
        except DATABASE_ERRORS as exc:
            logger.warning("cannot write the run record of %s yet: %s", spider.site_name, exc)
            server.delete(keys.run_closing(spider.run_id))
            raise DontCloseSpider from None

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.frontier().flush_stats()
        logger.info("worker's share of run %s of %s ended (%s) at %s", spider.run_id, spider.site_name,
                    reason, utcnow().isoformat())
