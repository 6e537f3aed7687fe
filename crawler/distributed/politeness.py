"""Politeness that holds for all workers together: one rate limit per site, in Redis.

Each worker's Scrapy still spaces its own requests (DOWNLOAD_DELAY, AutoThrottle); this
downloader middleware adds the cap that three workers must not triple: a moving window of
the ``limits`` library in Redis, sized from the site's delay (1 request per DOWNLOAD_DELAY
seconds, so 0.25 s is 4 requests in any second). A worker over the limit waits its turn
without blocking its other sites. When Redis is away the local delay alone applies.
"""

from __future__ import annotations

import asyncio
import logging
import time
from fractions import Fraction
from typing import Self

from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.distributed.connection import REDIS_ERRORS
from crawler.stats import POLITENESS_WAIT_MS

logger = logging.getLogger(__name__)


class WorkerStopping(IgnoreRequest):
    """A request still waiting for its turn when the worker stops: not a failure of the
    site, and not done with — the frontier hands it back to the queue."""


def rate_for(delay: float) -> RateLimitItemPerSecond:
    """``limits`` counts whole requests over whole seconds: the closest such rate to one
    request per ``delay`` seconds (0.25 → 4 per 1 s, 1.5 → 2 per 3 s)."""
    rate = Fraction(1 / delay).limit_denominator(60)
    return RateLimitItemPerSecond(max(rate.numerator, 1), max(rate.denominator, 1), namespace="rasd")


class SharedPoliteness:
    """Downloader middleware: wait for the site's shared rate limit before each request."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        delay = settings.getfloat("DOWNLOAD_DELAY")
        if not settings.getbool("RASD_SHARED_POLITENESS") or delay <= 0:
            raise NotConfigured("shared politeness off, or no delay to share")
        self.crawler = crawler
        self.delay = delay
        self.item = rate_for(delay)
        self.limiter = self.limiter_for(settings["RASD_REDIS_URL"])
        self.away = False

    @staticmethod
    def limiter_for(redis_url: str) -> MovingWindowRateLimiter:
        return MovingWindowRateLimiter(RedisStorage(redis_url))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        site: str = request.meta.get("rasd_site", "") or getattr(self.crawler.spider, "site_name", "")
        waited = 0.0
        while True:
            if not self.crawler.engine.running:
                raise WorkerStopping("the worker is stopping")
            try:
                if self.limiter.hit(self.item, "site", site):
                    break
                reset = self.limiter.get_window_stats(self.item, "site", site).reset_time
            except REDIS_ERRORS as exc:
                if not self.away:
                    logger.warning("shared rate limit unavailable (%s): local politeness only", exc)
                self.away = True
                return
            pause = min(max(reset - time.time(), 0.01), self.delay)
            waited += pause
            await asyncio.sleep(pause)
        self.away = False
        if waited:
            self.crawler.stats.inc_value(POLITENESS_WAIT_MS, int(waited * 1000))
