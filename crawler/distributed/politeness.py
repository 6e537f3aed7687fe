"""Politeness that holds for all workers together: one delay and one concurrency per site, in Redis.

Each worker's Scrapy still spaces its own requests (DOWNLOAD_DELAY, AutoThrottle, its own
CONCURRENT_REQUESTS_PER_DOMAIN); this downloader middleware adds the caps that three
workers must not triple. Per site, Redis holds the *delay now* and the *time of the next
request* (a hash), and the requests in flight from every worker (a sorted set whose
scores are lease expiries, so a dead worker's slots free themselves):

- before a request, a worker reserves the next free turn (``next += delay``) and one of
  the site's concurrency slots, in one script call, and waits until its turn;
- after a response, AutoThrottle's own rule is applied to the *shared* delay from that
  response's latency — so the site's spacing is ``latency / target concurrency`` for all
  workers together — and a 429 or 503 doubles it and, with ``Retry-After``, holds every
  worker's next request back until then. One worker's back-off slows them all.

Why not the ``limits`` library's moving window (the first version): its rate is fixed per
key, so a delay that changes with the site's answers would open a fresh window (a burst)
at every change, and a rate in whole requests over whole seconds lets a 3.7 s delay burst
10 requests at once. A reservation ("next free turn") spaces every request exactly and
costs one round trip. Times come from Redis's clock, so machines need not agree on theirs.
When Redis is away, the local delay alone applies.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections import defaultdict
from email.utils import parsedate_to_datetime
from typing import Any, Self

import redis
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawler.distributed import keys
from crawler.distributed.connection import REDIS_ERRORS, connect
from crawler.stats import POLITENESS_WAIT_MS

logger = logging.getLogger(__name__)

TOKEN = "rasd_turn"   # request.meta: this request's concurrency slot in the site's in-flight set
CONCURRENCY_PAUSE = 0.05  # seconds between looks when the site's concurrency is all taken
KEEP = 86400          # seconds a site's shared state outlives its last request

# KEYS: the site's hash, its in-flight set. ARGV: delay (the fixed one, or AutoThrottle's
# start), AutoThrottle on (1/0), min delay, max delay, concurrency (0 = no cap), lease
# seconds, token. Returns seconds to wait for the turn taken, or -1: no slot free, ask again.
_TAKE_TURN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local cap = tonumber(ARGV[5])
if cap > 0 and redis.call('ZCARD', KEYS[2]) >= cap then return '-1' end
local delay = tonumber(ARGV[1])
if ARGV[2] == '1' then
  delay = tonumber(redis.call('HGET', KEYS[1], 'delay') or ARGV[1])
  delay = math.min(math.max(delay, tonumber(ARGV[3])), tonumber(ARGV[4]))
end
local turn = math.max(now, tonumber(redis.call('HGET', KEYS[1], 'next') or '0'))
redis.call('HSET', KEYS[1], 'delay', delay, 'next', turn + delay)
redis.call('ZADD', KEYS[2], turn + tonumber(ARGV[6]), ARGV[7])
redis.call('EXPIRE', KEYS[1], ARGV[8])
redis.call('EXPIRE', KEYS[2], ARGV[8])
return tostring(turn - now)
"""

# KEYS: the site's hash, its in-flight set. ARGV: token ('' = none held), latency ('' =
# unknown), status, Retry-After seconds, AutoThrottle target concurrency (0 = off), min
# delay, max delay, start delay. Scrapy's AutoThrottle._adjust_delay, on the shared delay.
_ANSWERED = """
if ARGV[1] ~= '' then redis.call('ZREM', KEYS[2], ARGV[1]) end
local target_concurrency = tonumber(ARGV[5])
local delay = tonumber(redis.call('HGET', KEYS[1], 'delay') or ARGV[8])
local status = tonumber(ARGV[3])
local new = delay
if status == 429 or status == 503 then
  if target_concurrency > 0 then
    new = math.min(math.max(delay * 2, tonumber(ARGV[8])), tonumber(ARGV[7]))
  end
  local wait = tonumber(ARGV[4])
  if wait > 0 then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
    local turn = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
    redis.call('HSET', KEYS[1], 'next', math.max(turn, now + wait))
  end
elseif target_concurrency > 0 and ARGV[2] ~= '' then
  local target = tonumber(ARGV[2]) / target_concurrency
  new = math.max(target, (delay + target) / 2)
  new = math.min(math.max(tonumber(ARGV[6]), new), tonumber(ARGV[7]))
  if status ~= 200 and new <= delay then new = delay end
end
if new ~= delay then redis.call('HSET', KEYS[1], 'delay', new) end
return tostring(new)
"""


class WorkerStopping(IgnoreRequest):
    """A request still waiting for its turn when the worker stops: not a failure of the
    site, and not done with — the frontier hands it back to the queue."""


def retry_after(response: Response, longest: float) -> float:
    """The seconds a 429/503 asks for (a number or an HTTP date), at most ``longest``: a
    site asking for an hour must not stop every worker for an hour (retries are left to
    Scrapy's RetryMiddleware)."""
    value = response.headers.get(b"Retry-After")
    if not value:
        return 0.0
    text = value.decode("latin-1").strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(text).timestamp() - time.time()
        except (TypeError, ValueError):
            return 0.0
    return min(max(seconds, 0.0), longest)


class SitePoliteness:
    """The shared delay and concurrency of sites, as one worker takes turns and reports answers."""

    def __init__(self, server: redis.Redis, delay: float, autothrottle: bool, start_delay: float,
                 max_delay: float, target_concurrency: float, concurrency: int, lease: float) -> None:
        self.server = server
        self.delay, self.autothrottle = delay, autothrottle
        self.start_delay = max(delay, start_delay) if autothrottle else delay
        self.max_delay = max(max_delay, self.start_delay)
        self.target_concurrency = target_concurrency if autothrottle else 0.0
        self.concurrency, self.lease = concurrency, lease
        self.take_script = server.register_script(_TAKE_TURN)
        self.answered_script = server.register_script(_ANSWERED)
        self.tokens = (f"{os.getpid()}:{os.urandom(4).hex()}:{n}" for n in itertools.count())

    @classmethod
    def from_settings(cls, server: redis.Redis, settings: Any) -> SitePoliteness:
        return cls(server, settings.getfloat("DOWNLOAD_DELAY"), settings.getbool("AUTOTHROTTLE_ENABLED"),
                   settings.getfloat("AUTOTHROTTLE_START_DELAY"), settings.getfloat("AUTOTHROTTLE_MAX_DELAY"),
                   settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY"),
                   settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), settings.getfloat("DOWNLOAD_TIMEOUT") + 30)

    def take_turn(self, site: str, token: str) -> float:
        """Seconds until this request's turn (reserved), or -1 when the site's concurrency is all taken."""
        return float(self.take_script(
            keys=[keys.politeness(site), keys.in_flight(site)],
            args=[self.start_delay, int(self.autothrottle), self.delay, self.max_delay, self.concurrency,
                  self.lease, token, KEEP]))

    def answered(self, site: str, token: str, latency: float | None, status: int, wait: float) -> float:
        """Free the request's slot and adjust the site's delay from its answer; the delay now."""
        return float(self.answered_script(
            keys=[keys.politeness(site), keys.in_flight(site)],
            args=[token, "" if latency is None else latency, status, wait, self.target_concurrency,
                  self.delay, self.max_delay, self.start_delay]))


class SharedPoliteness:
    """Downloader middleware: wait for the site's shared turn before each request, and feed
    each answer (latency, 429/503) back into the site's shared delay."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("RASD_SHARED_POLITENESS") or (
                settings.getfloat("DOWNLOAD_DELAY") <= 0 and not settings.getbool("AUTOTHROTTLE_ENABLED")):
            raise NotConfigured("shared politeness off, or politeness off")
        self.crawler = crawler
        self.sites = SitePoliteness.from_settings(connect(settings["RASD_REDIS_URL"]), settings)
        self.away = False
        self.asking: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.request_left, signal=signals.request_left_downloader)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def site_of(self, request: Request) -> str:
        return request.meta.get("rasd_site", "") or getattr(self.crawler.spider, "site_name", "")

    async def process_request(self, request: Request) -> None:
        site = self.site_of(request)
        token = next(self.sites.tokens)
        waited = 0.0
        # One request of this worker asks for the site's turn at a time, the rest queue behind
        # it here (first come, first served): every worker then asks as often as any other —
        # sixteen pollers against one would starve that one — and Redis is asked 16× less.
        async with self.asking[site]:
            while True:
                if not self.crawler.engine.running:
                    raise WorkerStopping("the worker is stopping")
                try:
                    wait = self.sites.take_turn(site, token)
                except REDIS_ERRORS as exc:
                    self._away(exc)
                    return
                if wait >= 0:
                    break
                waited += CONCURRENCY_PAUSE
                await asyncio.sleep(CONCURRENCY_PAUSE)
        request.meta[TOKEN] = token
        waited += wait
        while wait > 0:  # a long wait (Retry-After) in steps, so that a stopping worker stops
            if not self.crawler.engine.running:
                raise WorkerStopping("the worker is stopping")
            step = min(wait, 1.0)
            await asyncio.sleep(step)
            wait -= step
        if self.away:
            self.away = False
            logger.warning("shared politeness is back")
        if waited:
            self.crawler.stats.inc_value(POLITENESS_WAIT_MS, int(waited * 1000))

    def response_downloaded(self, response: Response, request: Request, spider: Any) -> None:
        longest = self.sites.max_delay
        wait = retry_after(response, longest) if response.status in (429, 503) else 0.0
        try:
            self.sites.answered(self.site_of(request), request.meta.pop(TOKEN, ""),
                                request.meta.get("download_latency"), response.status, wait)
        except REDIS_ERRORS as exc:
            self._away(exc)

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """Dropped by a middleware after this one, or failed: the slot is free again."""
        self.request_left(request, None)

    def request_left(self, request: Request, spider: Any) -> None:
        """A request that ended without a response (timeout, refused) frees its slot too."""
        token = request.meta.pop(TOKEN, "")
        if token:
            try:
                self.sites.server.zrem(keys.in_flight(self.site_of(request)), token)
            except REDIS_ERRORS as exc:
                self._away(exc)

    def _away(self, exc: BaseException) -> None:
        if not self.away:
            logger.warning("shared politeness unavailable (%s): local politeness only", exc)
        self.away = True
