"""The news spider as a worker runs it: same discovery and callbacks, requests from Redis."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.distributed.frontier import frontier_of
from crawler.distributed.politeness import WorkerStopping
from crawler.spiders.news import NewsSpider


class DistributedNewsSpider(NewsSpider):
    """A :class:`NewsSpider` serving one run of a site from the shared frontier.

    Its entry points are not its own to start: ``rasd crawl --redis`` or the scheduler put
    them in Redis once (:meth:`entry_requests`), and any worker takes them from there. A
    *backfill* run follows listing pagination to the end and lifts the page cap, since the
    whole archive is what was asked for (the run's dupefilter stops loops)."""

    def __init__(self, site: str | None = None, run_id: str = "", backfill: bool = False, **kwargs: Any) -> None:
        super().__init__(site=site, **kwargs)
        self.run_id = run_id
        self.backfill = bool(backfill)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> DistributedNewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if not isinstance(spider, DistributedNewsSpider):  # NewsSpider.from_crawler is typed for its own class
            raise TypeError(f"{cls.__name__}.from_crawler made a {type(spider).__name__}")
        if spider.backfill and spider.site.max_pages:
            spider.site = dataclasses.replace(spider.site, max_pages=0)
        return spider

    async def entry_requests(self) -> list[scrapy.Request]:
        """The site's feeds, sitemaps and start pages, as a local crawl would start. A local
        crawl holds its listings back until the feeds and sitemaps are read; here all go
        into the queue at once, feeds and sitemaps first, and the queue's order does it."""
        site = self.site
        self.site = dataclasses.replace(site, start_urls=())
        try:
            requests = [request async for request in super().start()]
        finally:
            self.site = site
        if self.no_browser:
            return requests
        return [*requests, *(self.page_request(url, self.parse_listing, "listing", {"listing_depth": 0},
                                               dont_filter=True) for url in site.start_urls)]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        return
        # Never runs: it makes start() an async generator that yields nothing, since the
        # frontier feeds this spider.
        yield

    def parse_listing(self, response: Response) -> Any:
        if self.backfill:  # every page counts as the first: pagination is followed to its end
            response.meta["listing_depth"] = 0
        return super().parse_listing(response)

    def on_error(self, failure: Failure) -> None:
        if failure.check(WorkerStopping):
            return  # left in the processing list: handed back as the worker stops
        super().on_error(failure)
        request = getattr(failure, "request", None)
        frontier = frontier_of(self.crawler)
        if request is not None and frontier is not None:
            frontier.failed(request)
