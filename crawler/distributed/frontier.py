"""The shared frontier: scrapy-redis's scheduler, FIFO queue and dupefilter, made reliable.

scrapy-redis pops a request and forgets it, so a worker killed mid-request loses it. Here a
request is moved atomically (LMOVE) from the site's queue to this worker's *processing*
list, and removed from there only once everything it led to is safe in Redis: its child
requests pushed, its article through the pipelines (the reliable-queue pattern). A worker
whose heartbeat expires has its processing lists handed back to the queues
(:func:`crawler.distributed.workers.reap`).

Writes are batched in an *outbox* sent as one MULTI: the children a page yields, then its
acknowledgement with the worker's stats since the last one (``HINCRBY`` into the run's
hash, so the run's counters are the sum over workers). When Redis is away the outbox keeps
its order and waits; nothing is dropped, at worst a request is fetched twice (the store
keeps one copy of an article).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Self

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import FifoQueue
from scrapy_redis.scheduler import Scheduler

from crawler.distributed import keys
from crawler.distributed.connection import REDIS_ERRORS, connect
from crawler.errors import MAX_ERROR_SAMPLES
from crawler.stats import BLOCKED_SAMPLES, ERROR_SAMPLES

if TYPE_CHECKING:  # the spider module reaches back here for frontier_of
    from crawler.distributed.spider import DistributedNewsSpider

logger = logging.getLogger(__name__)

# Stats that are lists of examples, not counts: kept as Redis lists, the first few of all workers.
SAMPLE_STATS = (ERROR_SAMPLES, BLOCKED_SAMPLES)
ACK = "rasd_ack"  # request.meta key: this worker's token for a request taken from Redis
# A page's children go into the site's queue only while their run is the site's active one:
# a worker still finishing pages of a run that timed out must not leave them for the next.
# Sent as EVAL in the flush's MULTI (redis-py's registered scripts in a pipeline cost an
# extra SCRIPT EXISTS round trip per flush; Redis caches the compiled script either way).
PUSH_IF_ACTIVE = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('LPUSH', KEYS[2], unpack(ARGV, 3))
end
return 0
"""
# Hand a list back to the queue's taking end, so the requests a dead worker held go next.
HAND_BACK = """
local n = 0
while redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT') do n = n + 1 end
return n
"""


class ReliableQueue(FifoQueue):
    """scrapy-redis's FIFO queue whose pop moves the request into a processing list."""

    def __init__(self, server: redis.Redis, spider: Spider, key: str, processing_key: str) -> None:
        super().__init__(server, spider, key, picklecompat)
        self.processing_key = processing_key

    def encode(self, request: Request) -> bytes:
        return self._encode_request(request)

    def take(self) -> tuple[bytes, Request] | None:
        data = self.server.lmove(self.key, self.processing_key, "RIGHT", "LEFT")
        return (data, self._decode_request(data)) if data else None

    def hand_back(self) -> int:
        return int(self.server.eval(HAND_BACK, 2, self.processing_key, self.key))


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis's dupefilter, one set per run that expires: not one set for ever (#144).

    Scrapy's own 20-byte fingerprints, not 40 hex characters: half the memory per URL."""

    def __init__(self, server: redis.Redis, key: str, ttl: int, fingerprint: Callable[[Request], bytes]) -> None:
        super().__init__(server, key)
        self.ttl = ttl
        self.fingerprint = fingerprint

    def request_seen(self, request: Request) -> bool:
        pipe = self.server.pipeline(transaction=False)
        pipe.sadd(self.key, self.fingerprint(request)).expire(self.key, self.ttl)
        try:
            added, _ = pipe.execute()
        except REDIS_ERRORS:
            return False  # Redis is away: better a page twice than a page never
        return added == 0


class Frontier(Scheduler):
    """The scheduler of one site's crawl in one worker (``SCHEDULER`` setting)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        super().__init__(connect(settings["RASD_REDIS_URL"]), persist=True)
        self.crawler = crawler
        self.stats = crawler.stats
        self.worker = settings["RASD_WORKER_ID"]
        self.dupefilter_ttl = settings.getint("RASD_DUPEFILTER_TTL")
        self.inflight: dict[int, bytes] = {}  # token -> the request's bytes in the processing list
        self.tokens = itertools.count(1)
        self.outbox: list[Callable[[redis.client.Pipeline], Any]] = []  # acknowledgements
        self.children: list[bytes] = []  # requests to push, before the acknowledgements
        self.flushed: dict[str, int] = {}     # stats already added to the run's hash
        self.samples_flushed: dict[str, int] = dict.fromkeys(SAMPLE_STATS, 0)
        self.items: dict[int, list[int]] = {}  # token -> [items yielded or -1 while parsing, items done]
        self.away = False
        crawler.rasd_frontier = self  # type: ignore[attr-defined]  # read back by frontier_of

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        frontier = cls(crawler)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(frontier.item_done, signal=signal)
        crawler.signals.connect(frontier.dropped, signal=signals.request_dropped)
        return frontier

    def open(self, spider: DistributedNewsSpider) -> None:
        self.spider = spider
        self.run_id = spider.run_id
        self.queue = ReliableQueue(self.server, spider, keys.requests(spider.site.name),
                                   keys.processing(spider.site.name, self.worker))
        self.df = RunDupeFilter(self.server, keys.seen(self.run_id), self.dupefilter_ttl,
                                self.crawler.request_fingerprinter.fingerprint)

    def close(self, reason: str) -> None:
        """A worker stopping (SIGTERM) hands back what it had taken at once, instead of
        leaving it for its heartbeat to expire."""
        self.flush()
        try:
            handed = self.queue.hand_back()
        except REDIS_ERRORS as exc:
            logger.warning("cannot hand back requests (%s); they return when this worker's heartbeat expires", exc)
            return
        if handed:
            logger.info("handed %d unfinished request(s) back to the %s queue", handed, self.spider.site.name)

    def release_orphans(self) -> None:
        """Called when this crawl is idle, so nothing it took is still being worked on: what
        is left in its processing list is a request whose LMOVE reply was lost to a Redis
        outage. Back to the queue with it, or the run would wait for it for ever."""
        self.inflight.clear()
        self.items.clear()
        handed = self.queue.hand_back()
        if handed:
            logger.warning("%d request(s) of %s taken during a Redis outage handed back", handed,
                           self.spider.site.name)

    def __len__(self) -> int:
        try:
            return len(self.queue)
        except REDIS_ERRORS:
            return 0

    def has_pending_requests(self) -> bool:
        return len(self) > 0

    # --- what goes in -----------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        handed_over = self.inflight.pop(request.meta.pop(ACK, 0), None)
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            if handed_over is not None:  # a redirect to a page already seen: done with
                self._ack(handed_over)
            return False
        self.children.append(self.queue.encode(request))
        self.stats.inc_value("scheduler/enqueued/redis")
        if handed_over is not None:  # a retry or redirect replaces the request it came from
            self._ack(handed_over)
            self.flush()
        # Otherwise the push waits for the acknowledgement of the page it came from: one
        # round trip for a page and all its links.
        return True

    # --- what goes out ----------------------------------------------------------------

    def next_request(self) -> Request | None:
        if not self.flush():
            return None  # the outbox first: acknowledgements never overtake their children
        try:
            taken = self.queue.take()
        except REDIS_ERRORS as exc:
            self._away(exc)
            return None
        if taken is None:
            return None
        data, request = taken
        token = next(self.tokens)
        self.inflight[token] = data
        request.meta[ACK] = token
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    # --- acknowledgements -------------------------------------------------------------

    def parsed(self, request: Request, items: int) -> None:
        """The callback's output is all out: children pushed, ``items`` handed to the pipelines."""
        token = request.meta.get(ACK, 0)
        count = self.items.setdefault(token, [0, 0])
        count[0] = items
        self._settle(token)

    def item_done(self, item: Any, response: Response | None = None, **_: Any) -> None:
        if response is not None and response.request is not None:
            token = response.request.meta.get(ACK, 0)
            self.items.setdefault(token, [-1, 0])[1] += 1
            self._settle(token)

    def failed(self, request: Request) -> None:
        """The request ended in its errback: nothing more will come of it."""
        self.items.pop(request.meta.get(ACK, 0), None)
        self.ack(request)

    def dropped(self, request: Request) -> None:
        self.ack(request)

    def ack(self, request: Request) -> None:
        data = self.inflight.pop(request.meta.get(ACK, 0), None)
        if data is not None:
            self._ack(data)
            self.flush()

    def _settle(self, token: int) -> None:
        yielded, done = self.items.get(token, (-1, 0))
        if yielded >= 0 and done >= yielded:
            del self.items[token]
            data = self.inflight.pop(token, None)
            if data is not None:
                self._ack(data)
                self.flush()

    def _ack(self, data: bytes) -> None:
        # redis-py annotates LREM's value as str, but its encoder sends bytes as they are:
        # the pickled request must match the processing list's entry byte for byte.
        self.outbox.append(lambda pipe: pipe.lrem(self.queue.processing_key, 1, data))  # type: ignore[arg-type]

    def flush_stats(self) -> bool:
        return self.flush(stats=True)

    def flush(self, stats: bool = False) -> bool:
        """Send the outbox as one transaction, with the stats gathered since the last one
        (added to the run's totals); keep it all for later when Redis is away. The stats
        are taken at sending time, so however many attempts it takes, each count goes in once."""
        if not self.outbox and not self.children and not stats:
            return True
        current = {k: v for k, v in self.stats.get_stats().items()
                   if isinstance(v, int) and not isinstance(v, bool)}
        delta = {k: v - self.flushed.get(k, 0) for k, v in current.items() if v != self.flushed.get(k, 0)}
        samples = {name: (self.stats.get_value(name) or [])[self.samples_flushed[name]:] for name in SAMPLE_STATS}
        pipe = self.server.pipeline(transaction=True)
        if self.children:
            pipe.eval(PUSH_IF_ACTIVE, 2, keys.ACTIVE_RUNS, self.queue.key, self.spider.site_name, self.run_id,
                      *self.children)
        for op in self.outbox:
            op(pipe)
        stats_key = keys.run_stats(self.run_id)
        for key, value in delta.items():
            pipe.hincrby(stats_key, key, value)
        if delta:
            pipe.expire(stats_key, self.dupefilter_ttl)  # a late worker's stats cannot linger
        for name, new in samples.items():
            if new:
                samples_key = keys.run_samples(self.run_id, name)
                pipe.rpush(samples_key, *new).ltrim(samples_key, 0, MAX_ERROR_SAMPLES - 1)
                pipe.expire(samples_key, self.dupefilter_ttl)
        try:
            pipe.execute()
        except REDIS_ERRORS as exc:
            self._away(exc)
            return False
        self.outbox.clear()
        self.children.clear()
        self.flushed = current
        for name, new in samples.items():
            self.samples_flushed[name] += len(new)
        if self.away:
            self.away = False
            logger.warning("Redis is back: the %s crawl goes on", self.spider.site.name)
        return True

    def _away(self, exc: BaseException) -> None:
        if not self.away:
            self.away = True
            logger.warning("Redis unavailable (%s): %s waits, nothing is dropped", exc, self.spider.site.name)


def frontier_of(crawler: Crawler) -> Frontier | None:
    """The crawl's frontier, when its ``SCHEDULER`` is one: the spider and the middlewares
    built before it (Scrapy makes the scheduler last, as the spider opens) find it here."""
    frontier = getattr(crawler, "rasd_frontier", None)
    return frontier if isinstance(frontier, Frontier) else None


class FrontierAcks:
    """Spider middleware telling the frontier when a page's output is all out."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        items = 0
        try:
            async for out in result:
                if not isinstance(out, Request):
                    items += 1
                yield out
        finally:
            frontier = frontier_of(self.crawler)
            if frontier is not None and response.request is not None:
                frontier.parsed(response.request, items)
