"""Give up on a host that does not answer at all, for the rest of the run.

Without this, a server that accepts connections and never answers costs every request
DOWNLOAD_TIMEOUT × (RETRY_TIMES + 1): robots.txt, then each feed, sitemap and listing in
turn — minutes per site, and the same again for every site on a dead network. After
RASD_HOST_MAX_FAILURES network failures (no name, refused, no answer, cut off) on a host
that has not answered once in this run, its remaining requests are dropped at once; the
host and why go to the stats (``rasd/given_up``) and from there into the run record. A host
that has answered is never given up: its failing pages are the site's problem, counted per
page as before. robots.txt, a few hundred bytes, gets RASD_ROBOTSTXT_TIMEOUT instead of the
full DOWNLOAD_TIMEOUT: it is the first request to every host and the others wait for it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.errors import record_error
from crawler.fetch.failures import network_kind
from crawler.stats import GIVEN_UP


class UnreachableHosts:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.max_failures = crawler.settings.getint("RASD_HOST_MAX_FAILURES")
        self.robots_timeout = crawler.settings.getfloat("RASD_ROBOTSTXT_TIMEOUT")
        self.failures: Counter[str] = Counter()
        self.answered: set[str] = set()
        self.given_up: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.getint("RASD_HOST_MAX_FAILURES") <= 0:
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        host = urlparse_cached(request).netloc
        if host in self.given_up:
            raise IgnoreRequest(f"host {host} given up for this run: {self.given_up[host]}")
        if self.robots_timeout and urlparse_cached(request).path == "/robots.txt":
            request.meta["download_timeout"] = min(request.meta.get("download_timeout") or self.robots_timeout,
                                                   self.robots_timeout)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        self.answered.add(urlparse_cached(request).netloc)  # whatever the status: it is there
        return response

    def process_exception(self, request: Request, exception: BaseException, spider: Any = None) -> None:
        kind = network_kind(exception)
        if kind is None:
            return
        host = urlparse_cached(request).netloc
        if host in self.answered:
            return
        self.failures[host] += 1
        if self.failures[host] >= self.max_failures and host not in self.given_up:
            self.given_up[host] = f"{self.failures[host]} attempts, no answer ({kind})"
            self.stats.set_value(GIVEN_UP, dict(self.given_up))
            record_error(self.stats, "host_unreachable", f"gave up on {host}: {self.given_up[host]}")
