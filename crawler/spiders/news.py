"""The config-driven ``news`` spider: discovers article URLs and fetches them.

It never parses article fields — the pipelines do — so ``rasd parse`` on a saved page and
a live crawl produce the same result.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.reactor import is_asyncio_reactor_installed
from twisted.python.failure import Failure

from crawler.config import ConfigError, SiteConfig
from crawler.errors import record_error
from crawler.fetch.blocking import BROWSER_HEADERS, blocked_response
from crawler.fetch.browser import enable_rendering, render_error_kind, render_meta
from crawler.fetch.discovery import Entry, parse_feed, parse_sitemap
from crawler.fetch.encoding import decode_page, looks_binary, looks_like_html
from crawler.fetch.failures import failure_kind
from crawler.fetch.identity import fetch_url, identity_meta, request_key
from crawler.fetch.incremental import NEW, plan
from crawler.items import RawPage
from crawler.signals import read_also_found
from crawler.stats import NOT_MODIFIED, PAGES_FETCHED, discovered
from crawler.storage.store import DATABASE_ERRORS, Store, StoreUnavailable, utcnow
from crawler.urls import is_valid_url, join_url, request_url
from pipelines.base import sites_for

logger = logging.getLogger(__name__)

MAX_LISTING_DEPTH = 3
# Longest wait, in seconds, of listings for the feeds and sitemaps (see NewsSpider.start).
DISCOVERY_WAIT = 15.0


class NewsSpider(scrapy.Spider):
    name = "news"
    # Set by from_crawler (they need the crawler's settings, which __init__ has not).
    site: SiteConfig
    allowed_domains: list[str]
    links: LinkExtractor
    store: Store | None

    def __init__(self, site: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not site:
            raise ValueError("the news spider needs a site: scrapy crawl news -a site=NAME")
        self.site_name = site
        self.requested = 0
        # Stored articles (or None) for the links of the page being parsed: one query per page.
        self.looked_up: dict[str, dict[str, Any] | None] = {}
        # What feeds and sitemaps said about each article URL, from every path that found it:
        # a story reached first through a listing still gets the feed's time of day.
        self.hints: dict[str, dict[str, str]] = {}
        self.discovery_pending = 0  # feeds and sitemaps of start() not yet read
        self.discovery_done = asyncio.Event()
        self.no_browser: str | None = None
        self.store_problem: str | None = None  # why stored articles cannot be looked up

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        sites = sites_for(crawler)
        if spider.site_name not in sites:
            known = ", ".join(sorted(sites)) or "none"
            raise ConfigError("sites", None, f"unknown site {spider.site_name!r} (known: {known})")
        spider.site = sites[spider.site_name]
        spider.allowed_domains = list(spider.site.allowed_domains)
        # Not allow_domains: Scrapy compares it with host:port, so a site on a non-default
        # port would yield no links; site.owns() filters by host below.
        spider.links = LinkExtractor(unique=True)
        if spider.site.render:
            spider.no_browser = enable_rendering(crawler, spider.site)
        crawler.signals.connect(spider.on_read_also, signal=read_also_found)
        spider.store = None
        if crawler.settings.getbool("RASD_INCREMENTAL", True):
            try:
                spider.store = Store.shared(crawler.settings.get("RASD_DB"))
            except StoreUnavailable as exc:
                # The database is down: fetch everything, the store pipeline spools it.
                spider.store_problem = f"cannot check stored articles: {exc}"
            crawler.signals.connect(spider.close_store, signal=signals.spider_closed)
        return spider

    def close_store(self) -> None:
        if self.store is not None:
            self.store.close()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.store_problem:  # recorded here: stats exist only once the crawl starts
            self.record_error("store", self.store_problem)
        if self.skipped_without_browser():
            return
        discovery = [(url, self.parse_feed) for url in self.site.feeds] + \
                    [(url, self.parse_sitemap) for url in self.site.sitemaps]
        self.discovery_pending = len(discovery)
        for url, callback in discovery:
            yield scrapy.Request(url, callback=callback, errback=self.on_error, dont_filter=True,
                                 meta={"rasd_discovery": True})
        if discovery and self.site.start_urls and is_asyncio_reactor_installed():
            # Listings wait for the feeds and sitemaps (boundedly): an article found on both
            # is then fetched knowing their dates — the time of day its page may not print.
            # (Rasd's settings install the asyncio reactor; another one just does not wait.)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.discovery_done.wait(), DISCOVERY_WAIT)
        for url in self.site.start_urls:
            yield self.page_request(url, self.parse_listing, "listing", {"listing_depth": 0}, dont_filter=True)

    def skipped_without_browser(self) -> bool:
        """A site that needs a browser, where there is none, is skipped as a whole: one
        clear error instead of every page failing or being stored as an empty shell."""
        if self.no_browser:
            self.record_error("no_browser", f"site {self.site.name} skipped, it needs a browser: {self.no_browser}",
                              level=logging.ERROR)
        return bool(self.no_browser)

    # --- discovery ---------------------------------------------------------------------

    def refused(self, response: Response) -> bool:
        """A bot challenge served in place of the page (often with HTTP 200): recorded as
        a ``challenge`` error, not parsed."""
        blocked = blocked_response(response)
        if blocked:
            self.record_error(blocked[0], f"{response.url}: {blocked[1]}")
        return blocked is not None

    def parse_feed(self, response: Response) -> Any:
        try:
            if self.refused(response):
                return
            entries = parse_feed(response.body)
            if not entries:
                # Empty for us, or for bots only? One request as a browser would make tells.
                yield self.browser_probe(response)
            yield from self.article_requests(entries, response.url)
        finally:
            self.discovered(response.meta)

    def discovered(self, meta: dict[str, Any]) -> None:
        """One of start()'s feeds or sitemaps is read (or failed): once all are, listings go."""
        if meta.get("rasd_discovery"):
            self.discovery_pending -= 1
            if self.discovery_pending <= 0:
                self.discovery_done.set()

    def browser_probe(self, response: Response) -> scrapy.Request:
        """The empty feed again with a browser's headers; only to diagnose, its entries are
        never crawled (the site chose not to serve them to us)."""
        return scrapy.Request(response.url, callback=self.probe_feed, errback=self.probe_failed,
                              headers=BROWSER_HEADERS, dont_filter=True,
                              meta={"rasd_probe_of": response.url})

    def probe_feed(self, response: Response) -> None:
        entries = [] if blocked_response(response) else parse_feed(response.body)
        if entries:
            self.record_error("bot_filtered_feed",
                              f"feed {response.url} is empty for Rasd's user agent but has "
                              f"{len(entries)} entries for a browser's")
        else:
            self.record_error("feed", f"no entries in feed {response.url}")

    def probe_failed(self, failure: Failure) -> None:
        self.record_error("feed", f"no entries in feed {failure.request.url}")  # type: ignore[attr-defined]  # set by Scrapy on errback failures

    def parse_sitemap(self, response: Response) -> Any:
        try:
            if self.refused(response):
                return
            sitemap = parse_sitemap(response.body)
            if not sitemap.entries and not sitemap.children:
                self.record_error("sitemap", f"no URLs in sitemap {response.url}")
            for child in sitemap.children:
                if self.site.owns(child):
                    yield scrapy.Request(child, callback=self.parse_sitemap, errback=self.on_error)
            yield from self.article_requests(
                [e for e in sitemap.entries if not self.site.article_urls or self.site.is_article_url(e.url)],
                response.url,
            )
        finally:
            self.discovered(response.meta)

    def parse_listing(self, response: Response) -> Any:
        if not isinstance(response, TextResponse) or self.refused(response):
            return
        depth = response.meta.get("listing_depth", 0)
        articles = []
        for link in self.links.extract_links(response):
            if not is_valid_url(link.url):
                continue
            url = self.site.canonical(link.url)
            if not self.site.owns(url):
                continue
            if self.site.is_follow_url(url):
                if depth < MAX_LISTING_DEPTH:
                    yield self.page_request(link.url, self.parse_listing, "listing", {"listing_depth": depth + 1})
            elif self.site.is_article_url(url):
                articles.append(Entry(link.url))
        yield from self.article_requests(articles, response.url)

    def article_requests(self, entries: list[Entry], referer: str, depth: int = 0) -> Any:
        """Every article link of one page: one store query for all of them, then
        :meth:`article_request` for each."""
        joined = (join_url(referer, e.url) for e in entries)
        urls = {self.site.canonical(u) for u in joined if u}
        found = self.known([u for u in urls if self.site.owns(u)])
        self.looked_up = {u: found.get(u) for u in urls}
        try:
            for entry in entries:
                yield from self.article_request(entry.url, referer, hints=entry.hints, depth=depth)
        finally:
            self.looked_up = {}

    def article_request(
        self, url: str, referer: str, hints: dict[str, str] | None = None, depth: int = 0
    ) -> Any:
        """A request for one discovered article if it is worth fetching: a new one, or a
        stored one when :func:`crawler.fetch.incremental.plan` says so."""
        try:
            url = urljoin(referer, url.strip())
        except ValueError:
            pass
        if not is_valid_url(url):
            self.record_error("bad_url", f"{url[:200]!r} linked from {referer}")
            return
        owner = self.site if self.site.owns(self.site.canonical(url)) else None
        if owner is None and depth:
            # A read-also link may lead to another configured site; any other domain is
            # recorded in the article's read_also but never fetched.
            owner = next((s for s in sites_for(self.crawler).values() if s.owns(s.canonical(url))), None)
        if owner is None:
            return
        if self.site.max_pages and self.requested >= self.site.max_pages:
            return
        key = owner.canonical(url)
        if hints:
            known = self.hints.setdefault(key, {})
            known.update({k: v for k, v in hints.items() if k not in known})
        stored = self.looked_up[key] if key in self.looked_up else self.known([key]).get(key)
        what = NEW if stored is None else plan(stored, hints or {}, owner.recheck_window, utcnow(),
                                                owner.timezone)
        self.crawler.stats.inc_value(discovered(what.reason))
        if not what.fetch:
            return
        self.requested += 1
        meta: dict[str, Any] = {"rasd_hints": hints or {}, "rasd_depth": depth, "rasd_reason": what.reason}
        if what.headers:
            meta["handle_httpstatus_list"] = [304]
        if owner is not self.site:
            meta.update(rasd_site=owner.name, allow_offsite=True)
        yield self.page_request(fetch_url(owner, key, url, stored), self.parse_article, "article", meta,
                                headers=what.headers or None)

    def _owner(self, meta: dict[str, Any]) -> SiteConfig:
        """The configured site a request belongs to (another one for a read-also link that
        led there)."""
        name = meta.get("rasd_site")
        if name and name != self.site.name:
            return sites_for(self.crawler).get(name, self.site)
        return self.site

    def page_request(
        self, url: str, callback: Any, kind: str, meta: dict[str, Any], **kwargs: Any
    ) -> scrapy.Request:
        """A listing or article request for ``url`` as the site spelt it, naming the page it
        is for (crawler.fetch.identity): through the browser when the site renders, plain
        HTTP otherwise. Feeds and sitemaps never come here — discovery needs no browser."""
        url = request_url(url)
        meta = {**identity_meta(self._owner(meta), url), **meta}
        if self.site.renders(kind):
            meta = {**meta, **render_meta(self.site, kind)}
        kwargs.setdefault("errback", self.on_error)
        return scrapy.Request(url, callback=callback, meta=meta, **kwargs)

    def known(self, urls: list[str]) -> dict[str, dict[str, Any]]:
        """Stored articles among these URLs; on a database error, none (fetch them all)."""
        if self.store is None or not urls:
            return {}
        try:
            return self.store.known_articles(urls)
        except DATABASE_ERRORS as exc:  # an outage: fetch them all
            self.record_error("store", f"cannot check stored articles: {exc}")
            return {}

    def on_read_also(self, item: Mapping[str, Any], links: list[dict[str, str]]) -> None:
        """Follow same-site read-also links found by the pipelines, up to the site's depth."""
        depth = (item.get("depth") or 0) + 1
        if item.get("site") != self.site.name or depth > self.site.read_also_depth:
            return
        for request in self.article_requests([Entry(link["url"]) for link in links], item["url"], depth):
            self.crawler.engine.crawl(request)

    # --- fetching ----------------------------------------------------------------------

    def parse_article(self, response: Response) -> Any:
        if response.status == 304:
            self.crawler.stats.inc_value(NOT_MODIFIED)
            return
        if self.refused(response):
            return
        self.crawler.stats.inc_value(PAGES_FETCHED)
        body = response.body
        if not body.strip():
            self.record_error("empty_page", f"{response.url} has an empty body")
            return
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if looks_binary(body) or not looks_like_html(body, ctype):
            self.record_error("not_html", f"{response.url} is not an HTML page ({ctype or 'no type'})")
            return
        encoding, text = decode_page(body, ctype)
        # A downloaded response always carries the request it answers.
        assert response.request is not None
        key = request_key(response.request)
        yield RawPage(
            url=key,
            final_url=response.url,
            status=response.status,
            html=text,
            encoding=encoding,
            site=response.meta.get("rasd_site", self.site.name),
            fetched_at=utcnow(),
            headers={
                "etag": (response.headers.get("ETag") or b"").decode("latin-1") or None,
                "last_modified": (response.headers.get("Last-Modified") or b"").decode("latin-1")
                or None,
            },
            depth=response.meta.get("rasd_depth", 0),
            hints={**self.hints.get(key, {}), **response.meta.get("rasd_hints", {})},
        )

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        if request is not None:
            self.discovered(request.meta)
        url = request.url if request else "?"
        # A refusal is named by what refused us (a challenge page rather than its 403).
        blocked = blocked_response(failure.value.response) if isinstance(failure.value, HttpError) else None
        if blocked:
            self.record_error(blocked[0], f"{url}: {blocked[1]}")
            return
        kind = render_error_kind(failure) or failure_kind(failure)
        self.record_error(kind, f"{url}: {failure.getErrorMessage()}")

    def record_error(self, kind: str, message: str, level: int = logging.WARNING) -> None:
        record_error(self.crawler.stats, kind, message, level)

