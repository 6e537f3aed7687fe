"""Counted, sampled crawl errors: the one way any part of a crawl reports a problem that
must not stop it. Stats carry the counts per kind and a few masked sample messages, which
end up in the run record."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

from crawler.fetch.blocking import is_blocked_kind
from crawler.secrets import mask_secrets
from crawler.stats import BLOCKED_SAMPLES, CRASHES, ERROR_SAMPLES, ERRORS, REDIRECTS_TO_REQUESTED, errors

logger = logging.getLogger(__name__)

MAX_ERROR_SAMPLES = 10
MAX_BLOCKED_SAMPLES = 5


def record_error(stats: StatsCollector | None, kind: str, message: str, level: int = logging.WARNING) -> None:
    """``rasd/errors`` +1, ``rasd/errors/<kind>`` +1, and the message among the first
    samples. Kinds are short snake_case names (http_404, timeout, not_html, bad_date…);
    kinds that mean the site refused us (http_403, challenge…, :mod:`crawler.fetch.blocking`)
    also keep their own few samples: the evidence a run record shows for a blocked site."""
    message = mask_secrets(message)
    logger.log(level, "%s: %s", kind, message)
    if stats is None:
        return
    stats.inc_value(ERRORS)
    stats.inc_value(errors(kind))
    _sample(stats, ERROR_SAMPLES, f"{kind}: {message}", MAX_ERROR_SAMPLES)
    if is_blocked_kind(kind):
        _sample(stats, BLOCKED_SAMPLES, f"{kind}: {message}", MAX_BLOCKED_SAMPLES)


def _sample(stats: StatsCollector, key: str, text: str, limit: int) -> None:
    samples = stats.get_value(key) or []
    if len(samples) < limit:
        stats.set_value(key, [*samples, text])


class CrawlErrors:
    """Turns what Scrapy only logs into counted errors: an exception in a spider callback or
    a pipeline stage (a *crash*: the page is skipped, the crawl goes on, and
    ``rasd/crashes`` makes it visible). Redirect loops fail their request
    (crawler.fetch.identity); a redirect the duplicate filter drops leads to a page this
    crawl requested already, which is counted, not an error."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlErrors:
        from scrapy import signals

        ext = cls(crawler)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.request_dropped, signal=signals.request_dropped)
        return ext

    def _crash(self, where: str, url: str, failure: Failure) -> None:
        self.crawler.stats.inc_value(CRASHES)
        record_error(self.crawler.stats, f"crash/{where}",
                     f"{url}: {type(failure.value).__name__}: {failure.getErrorMessage()}")

    def item_error(self, item: Any, response: Response | None, spider: Spider, failure: Failure) -> None:
        self._crash("pipeline", getattr(response, "url", None) or item.get("url", "?"), failure)

    def spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        self._crash("spider", getattr(response, "url", "?"), failure)

    def request_dropped(self, request: Request, spider: Spider) -> None:
        if request.meta.get("redirect_times"):
            self.crawler.stats.inc_value(REDIRECTS_TO_REQUESTED)
