"""The config-driven ``news`` spider: discovers article URLs, fetches them and makes each
page an article.

Discovery is in two steps: what article entries a feed, sitemap or listing gives (``*_entries``,
which ``rasd sites --check`` reuses to pick one), then the requests for them
(:meth:`NewsSpider.article_requests`). A fetched page goes through the offline stages — the
same function ``rasd parse`` runs (pipelines/offline.py) — and the callback yields the article
and its follow-up requests (read-also links, depth-limited); the item pipelines deduplicate
and store it. What the crawl holds open (site configs, database, spool) is its
:class:`crawler.resources.CrawlResources`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.log import logformatter_adapter
from scrapy.utils.reactor import is_asyncio_reactor_installed
from scrapy.utils.response import get_base_url
from twisted.python.failure import Failure

from crawler.config import ConfigError, SiteConfig
from crawler.errors import record_error
from crawler.fetch.blocking import BROWSER_HEADERS, blocked_response
from crawler.fetch.browser import enable_rendering, render_error_kind, render_meta
from crawler.fetch.discovery import Entry, Newest, iter_feed, iter_sitemap, newest, page_links, parse_feed
from crawler.fetch.encoding import decode_page, looks_binary, looks_like_html
from crawler.fetch.failures import failure_kind
from crawler.fetch.identity import fetch_url, identity_meta, request_key
from crawler.fetch.incremental import NEW, plan
from crawler.items import RawPage
from crawler.resources import CrawlResources
from crawler.stats import NOT_MODIFIED, PAGES_FETCHED, discovered
from crawler.stats import capped as capped_key
from crawler.storage.store import DATABASE_ERRORS, Store, StoreUnavailable, utcnow
from crawler.urls import is_valid_url, join_url, request_url
from pipelines import OFFLINE_STAGES
from pipelines.offline import OfflineStages, Parsed

logger = logging.getLogger(__name__)

MAX_LISTING_DEPTH = 3
PICK_SLICE = 2000  # feed/sitemap entries read between two turns of the reactor
# Longest wait, in seconds, of listings for the feeds and sitemaps (see NewsSpider.start).
DISCOVERY_WAIT = 15.0


@dataclass
class Found:
    """What one feed, sitemap or listing gives: its article entries (newest or in page
    order), and the other requests it leads to (nested sitemaps, next listing pages, a
    probe of a feed that is empty for us)."""

    articles: list[Entry] = field(default_factory=list)
    requests: list[scrapy.Request] = field(default_factory=list)


class NewsSpider(scrapy.Spider):
    name = "news"
    # Set by from_crawler (they need the crawler's settings, which __init__ has not).
    site: SiteConfig
    allowed_domains: list[str]
    resources: CrawlResources  # the crawl's site configs, database and spool (crawler.resources)
    stages: OfflineStages      # page → article (RASD_OFFLINE_STAGES)
    store: Store | None        # the crawl's database, for the incremental check (None: fetch all)
    max_links: int          # the caps, from RASD_* settings (crawler/settings.py)
    max_requests: int
    sitemap_max_depth: int
    sitemap_max_count: int

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
        self.queued = 0            # article and listing requests made this run
        self.sitemaps_followed = 0  # nested sitemaps requested this run
        self.caps_hit: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.resources = CrawlResources.from_crawler(crawler)
        sites = spider.resources.sites
        if spider.site_name not in sites:
            known = ", ".join(sorted(sites)) or "none"
            raise ConfigError("sites", None, f"unknown site {spider.site_name!r} (known: {known})")
        spider.site = sites[spider.site_name]
        # Bounds on the work one hostile or huge page can make (see README, reliability).
        settings = crawler.settings
        spider.max_links = settings.getint("RASD_MAX_LINKS_PER_PAGE")
        spider.max_requests = settings.getint("RASD_MAX_REQUESTS")
        spider.sitemap_max_depth = settings.getint("RASD_SITEMAP_MAX_DEPTH")
        spider.sitemap_max_count = settings.getint("RASD_SITEMAP_MAX_COUNT")
        spider.allowed_domains = list(spider.site.allowed_domains)
        if spider.site.render:
            spider.no_browser = enable_rendering(crawler, spider.site)
        spider.stages = OfflineStages(sites, crawler, settings.getlist("RASD_OFFLINE_STAGES") or OFFLINE_STAGES)
        spider.store = None
        if settings.getbool("RASD_INCREMENTAL", True):
            crawler.signals.connect(spider.open_store, signal=signals.spider_opened)
            crawler.signals.connect(spider.close_store, signal=signals.spider_closed)
        return spider

    def open_store(self) -> None:
        """The crawl's database, to skip stored articles (once the store stage has opened it)."""
        try:
            self.store = self.resources.store()
        except StoreUnavailable as exc:
            # The database is down: fetch everything, the store pipeline spools it.
            self.record_error("store", f"cannot check stored articles: {exc}")

    def close_store(self) -> None:
        if self.store is not None:
            self.store.close()

    async def start(self) -> AsyncIterator[scrapy.Request]:
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

    def parse_feed(self, response: Response) -> AsyncIterator[Any]:
        return self.follow(response, self.feed_entries)

    async def follow(self, response: Response,
                     entries: Callable[[Response], Awaitable[Found | None]]) -> AsyncIterator[Any]:
        """The requests a feed or sitemap leads to; once read (or failed), it counts as
        discovered, so listings wait no longer for it."""
        try:
            found = await entries(response)
            if found is not None:
                for request in [*found.requests, *self.article_requests(found.articles, response.url)]:
                    yield request
        finally:
            self.discovered(response.meta)

    async def feed_entries(self, response: Response) -> Found | None:
        """The feed's newest entries; None when it was refused or the crawl is stopping."""
        if self.refused(response):
            return None
        picked = await self.pick(iter_feed(response.body))
        if picked is None:
            return None
        found = Found(picked.entries())
        if not found.articles:
            # Empty for us, or for bots only? One request as a browser would make tells.
            found.requests.append(self.browser_probe(response))
        self.capped("links", picked.skipped, response.url)
        return found

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

    def parse_sitemap(self, response: Response) -> AsyncIterator[Any]:
        return self.follow(response, self.sitemap_entries)

    async def sitemap_entries(self, response: Response) -> Found | None:
        """The sitemap's newest article entries, and the nested sitemaps of an index; None
        when it was refused or the crawl is stopping."""
        nested: list[Entry] = []
        seen = 0

        def articles() -> Iterator[Entry]:
            nonlocal seen
            for is_index, entry in iter_sitemap(response.body):
                seen += 1
                if is_index:
                    nested.append(entry)
                elif not self.site.article_urls or self.site.is_article_url(entry.url):
                    yield entry

        if self.refused(response):
            return None
        picked = await self.pick(articles())
        if picked is None:
            return None
        if not seen:
            self.record_error("sitemap", f"no URLs in sitemap {response.url}")
        self.capped("links", picked.skipped, response.url)
        return Found(picked.entries(), list(self.nested_sitemaps(nested, response)))

    async def pick(self, entries: Iterator[Entry]) -> Newest | None:
        """The newest RASD_MAX_LINKS_PER_PAGE entries of a feed or sitemap; None when the
        crawl is stopping. A feed of 60k entries takes seconds to read: the reactor gets a
        turn every PICK_SLICE entries, so SIGTERM is acted on at once, not after it."""
        picked = Newest(self.max_links)
        for i, entry in enumerate(entries, 1):
            picked.add(entry)
            if i % PICK_SLICE == 0:
                await asyncio.sleep(0)
                if not self.crawler.crawling:
                    return None
        return picked

    def nested_sitemaps(self, nested: list[Entry], response: Response) -> Iterator[scrapy.Request]:
        """The sitemaps an index lists, newest first, within the depth and count limits: a
        chain of indexes (or one listing thousands of archives) must end."""
        depth = response.meta.get("sitemap_depth", 0) + 1
        children, skipped = newest([e for e in nested if self.site.owns(e.url)], self.max_links)
        if children and depth > self.sitemap_max_depth:
            self.record_error("sitemap_limit", f"{response.url}: sitemap indexes nested deeper than "
                              f"{self.sitemap_max_depth}; {len(children)} sitemap(s) not followed")
            return
        room = max(self.sitemap_max_count - self.sitemaps_followed, 0)
        if len(children) > room:
            self.record_error("sitemap_limit", f"{response.url}: over {self.sitemap_max_count} sitemaps "
                              f"this run; {len(children) - room} not followed")
        self.capped("links", skipped, response.url)
        for child in children[:room]:
            self.sitemaps_followed += 1
            yield scrapy.Request(child.url, callback=self.parse_sitemap, errback=self.on_error,
                                 meta={"sitemap_depth": depth})

    def parse_listing(self, response: Response) -> Any:
        found = self.listing_entries(response)
        if found is not None:
            yield from found.requests
            yield from self.article_requests(found.articles, response.url)

    def listing_entries(self, response: Response) -> Found | None:
        """The listing's article links in page order, and the requests for the listings it
        leads to (pagination, within MAX_LISTING_DEPTH); None for a refused or non-HTML page."""
        if not isinstance(response, TextResponse) or self.refused(response):
            return None
        depth = response.meta.get("listing_depth", 0)
        found = Found()
        root = response.selector.root
        for examined, link in enumerate(page_links(root, get_base_url(response))):
            if len(found.articles) >= self.max_links > 0:  # in page order: a listing shows the newest first
                total = int(root.xpath("count(//a[@href]|//area[@href])"))
                self.capped("links", max(total - examined, 1), response.url)
                break
            if not is_valid_url(link):
                continue
            url = self.site.canonical(link)
            if not self.site.owns(url):
                continue
            if self.site.is_follow_url(url):
                if depth < MAX_LISTING_DEPTH and self.take_request():
                    found.requests.append(self.page_request(link, self.parse_listing, "listing",
                                                            {"listing_depth": depth + 1}))
            elif self.site.is_article_url(url):
                found.articles.append(Entry(link))
        return found

    def take_request(self) -> bool:
        """Whether one more request fits in this run's RASD_MAX_REQUESTS (counted if not)."""
        if self.max_requests and self.queued >= self.max_requests:
            self.capped("requests", 1, self.site.name)
            return False
        self.queued += 1
        return True

    def capped(self, what: str, count: int, where: str) -> None:
        """Work left out by a cap: counted in rasd/capped/<what>, logged once per run."""
        if count <= 0:
            return
        self.crawler.stats.inc_value(capped_key(what), count)
        if what not in self.caps_hit:
            self.caps_hit.add(what)
            setting = "RASD_MAX_LINKS_PER_PAGE" if what == "links" else "RASD_MAX_REQUESTS"
            logger.warning("%s: %s over the cap (%s); the rest is counted in %s",
                           where, what, setting, capped_key(what))

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
            owner = self.resources.owner(url)
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
        if not what.fetch or not self.take_request():
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
            return self.resources.sites.get(name, self.site)
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

    # --- fetching ----------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        """The article of a fetched page, then its read-also links to follow."""
        parsed = self.read_article(response)
        if parsed is None:
            return
        yield parsed.article
        yield from self.follow_read_also(parsed)

    def read_article(self, response: Response) -> Parsed | None:
        """The article a fetched page holds, through the offline stages (what ``rasd parse``
        runs); None for a 304, a refusal, a page that is no HTML or no article (each counted)."""
        if response.status == 304:
            self.crawler.stats.inc_value(NOT_MODIFIED)
            return None
        if self.refused(response):
            return None
        self.crawler.stats.inc_value(PAGES_FETCHED)
        body = response.body
        if not body.strip():
            self.record_error("empty_page", f"{response.url} has an empty body")
            return None
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if looks_binary(body) or not looks_like_html(body, ctype):
            self.record_error("not_html", f"{response.url} is not an HTML page ({ctype or 'no type'})")
            return None
        encoding, text = decode_page(body, ctype)
        # A downloaded response always carries the request it answers.
        assert response.request is not None
        key = request_key(response.request)
        page = RawPage(
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
        try:
            return self.stages.run(page)
        except DropItem as exc:
            self.dropped(page, exc, response)
            return None

    def dropped(self, page: RawPage, exc: DropItem, response: Response) -> None:
        """A page the stages judged no article: logged and signalled as Scrapy does for an
        item a pipeline drops, so it is counted alike (item_dropped_count) and ``rasd sites
        --check`` can say why."""
        logkws = self.crawler.logformatter.dropped(page, exc, response, self)
        if logkws is not None:
            logger.log(*logformatter_adapter(logkws), extra={"spider": self})
        self.crawler.signals.send_catch_log(signals.item_dropped, item=page, response=response,
                                            spider=self, exception=exc)

    def follow_read_also(self, parsed: Parsed) -> Iterator[scrapy.Request]:
        """Requests for an article's read-also links, as the page wrote them, up to the
        site's read_also_depth; only from articles of the crawled site."""
        article = parsed.article
        depth = (article.get("depth") or 0) + 1
        if not parsed.linked or article.get("site") != self.site.name or depth > self.site.read_also_depth:
            return
        yield from self.article_requests([Entry(url) for url in parsed.linked], article["url"], depth)

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

