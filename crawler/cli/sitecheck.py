"""``rasd sites --check NAME``: one entry point and one article through the real spider
and the offline pipeline stages, so a user adding or fixing a site sees what a crawl would
store without storing anything.

The check subclasses the crawl spider instead of fetching on its own, so discovery, request
settings (robots.txt, user agent, rendering) and extraction are exactly those of a crawl.
Entry points are tried in config order (feeds, sitemaps, listings) until one yields an article
link; a sitemap index is followed into its first child only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings
from twisted.python.failure import Failure

from crawler.config import SiteConfig
from crawler.spiders.news import NewsSpider
from crawler.storage.query import iso
from crawler.urls import canonical_url
from pipelines import OFFLINE_STAGES

MAX_SHOWN_LINKS = 5


@dataclass
class EntryResult:
    kind: str  # feed | sitemap | listing
    url: str
    status: int | None = None
    error: str | None = None
    article_links: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    site: str
    entries: list[EntryResult] = field(default_factory=list)
    article_url: str | None = None
    article_status: int | None = None
    article_error: str | None = None
    article: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return bool(self.article and self.article.get("title") and self.article.get("body"))


class CheckSpider(NewsSpider):
    name = "sitecheck"

    def __init__(self, site: str | None = None, **kwargs: Any) -> None:
        super().__init__(site=site, **kwargs)
        self.report = CheckReport(site=site or "")
        self._collecting: list[tuple[str, dict[str, str]]] | None = None

    def _entries(self) -> list[tuple[str, str, Any]]:
        return ([("feed", u, self.parse_feed) for u in self.site.feeds]
                + [("sitemap", u, self.parse_sitemap) for u in self.site.sitemaps]
                + [("listing", u, self.parse_listing) for u in self.site.start_urls])

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.skipped_without_browser():
            return
        for request in self._entry_request(0):
            yield request

    def _entry_request(self, index: int, url: str | None = None) -> Iterator[scrapy.Request]:
        entries = self._entries()
        if index >= len(entries):
            return
        kind, entry_url, _ = entries[index]
        url = url or entry_url
        self.report.entries.append(EntryResult(kind, url))
        meta = {"entry_index": index, "listing_depth": 0}
        if kind == "listing":  # rendered like the crawl renders it
            yield self.page_request(url, self.check_entry, "listing", meta, errback=self.entry_failed,
                                    dont_filter=True)
        else:
            yield scrapy.Request(url, callback=self.check_entry, errback=self.entry_failed,
                                 dont_filter=True, meta=meta)

    async def check_entry(self, response: Response) -> AsyncIterator[scrapy.Request]:
        index = response.meta["entry_index"]
        result = self.report.entries[-1]
        result.status = response.status
        kind, _, parse = self._entries()[index]
        self._collecting = []
        output = parse(response)  # feeds and sitemaps are read asynchronously, listings not
        produced = [r async for r in output] if hasattr(output, "__aiter__") else list(output or ())
        children = [r for r in produced if isinstance(r, scrapy.Request)]
        found, self._collecting = self._collecting, None
        result.article_links = [url for url, _ in found]
        if found:
            url, hints = found[0]
            self.report.article_url = url
            for request in super().article_request(url, response.url, hints=hints):
                yield request.replace(errback=self.article_failed)
            return
        sitemap_children = [r for r in children if kind == "sitemap" and r.callback == self.parse_sitemap]
        following = (self._entry_request(index, sitemap_children[0].url) if sitemap_children
                     else self._entry_request(index + 1))
        for request in following:
            yield request

    def article_request(self, url: str, referer: str, hints: dict[str, str] | None = None,
                        depth: int = 0) -> Any:
        """While an entry point is parsed, only note its article links."""
        if self._collecting is None:
            return super().article_request(url, referer, hints=hints, depth=depth)
        url = canonical_url(url, base=referer)
        if self.site.owns(url) and url not in (u for u, _ in self._collecting):
            self._collecting.append((url, hints or {}))
        return iter(())

    def on_read_also(self, item: Any, links: list[dict[str, str]]) -> None:
        """A check fetches one article; read-also links are shown, not followed."""

    def entry_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        result = self.report.entries[-1]
        result.status = response.status if response is not None else None
        result.error = failure.getErrorMessage()
        yield from self._entry_request(request.meta["entry_index"] + 1)

    def article_failed(self, failure: Failure) -> None:
        response = getattr(failure.value, "response", None)
        self.report.article_status = response.status if response is not None else None
        self.report.article_error = failure.getErrorMessage()

    def parse_article(self, response: Response) -> Any:
        self.report.article_status = response.status
        yield from super().parse_article(response)


def check_settings(settings: Settings) -> Settings:
    """The crawl's settings minus storing, deduplication and progress output."""
    settings = settings.copy()
    settings.set("ITEM_PIPELINES", {path: (i + 1) * 100 for i, path in enumerate(OFFLINE_STAGES)},
                 priority="cmdline")
    settings.set("EXTENSIONS", {"crawler.cli.progress.Progress": None}, priority="cmdline")
    # A check always fetches its article, stored or not, and opens no database.
    settings.set("RASD_INCREMENTAL", False, priority="cmdline")
    return settings


def run_check(site_name: str, settings: Settings) -> CheckReport:
    process = CrawlerProcess(check_settings(settings))
    crawler = process.create_crawler(CheckSpider)

    def scraped(item: Any, **_: Any) -> None:
        crawler.spider.report.article = dict(item)

    def dropped(item: Any, exception: BaseException, **_: Any) -> None:
        crawler.spider.report.article_error = f"dropped by the pipeline: {exception}"

    crawler.signals.connect(scraped, signal=signals.item_scraped)
    crawler.signals.connect(dropped, signal=signals.item_dropped)
    process.crawl(crawler, site=site_name)
    process.start()
    return crawler.spider.report


# --- showing the result ------------------------------------------------------------------

_SHOWN = ("url", "title", "published", "modified", "authors", "tags", "source", "section", "layout",
          "language")


def shown_article(item: dict[str, Any]) -> dict[str, Any]:
    """The article as ``rasd`` shows it: dates in ISO, read-also and layers kept."""
    out = {k: iso(item.get(k)) for k in _SHOWN}
    out.update(body=item.get("body") or "", read_also=item.get("read_also") or [],
               extraction=item.get("extraction") or {})
    return out


def warnings(site: SiteConfig, article: dict[str, Any] | None) -> list[str]:
    """What a user adding or fixing a site should look at before relying on it."""
    if article is None:
        return []
    out = [f"no {field} found: add a [selectors] {field} = ... to {site.path.name}"
           for field in ("title", "published", "body") if not article.get(field)]
    if site.layouts and not article.get("layout"):
        out.append("none of the site's [[layouts]] fits this page: the site may have been "
                   "redesigned; add a layout for the new markup")
    return out


def report_json(report: CheckReport, site: SiteConfig) -> dict[str, Any]:
    article = shown_article(report.article) if report.article else None
    return {"site": report.site, "ok": report.ok, "warnings": warnings(site, article),
            "entries": [vars(e) for e in report.entries], "article_url": report.article_url,
            "article_status": report.article_status, "article_error": report.article_error,
            "article": article}


def print_report(report: CheckReport, site: SiteConfig) -> None:
    for e in report.entries:
        outcome = f"HTTP {e.status}" if e.status else "no response"
        if e.error:
            outcome += f" ({e.error})"
        print(f"{e.kind:<8} {e.url}\n         {outcome}, {len(e.article_links)} article links")
        for url in e.article_links[:MAX_SHOWN_LINKS]:
            print(f"           {url}")
    if not report.article_url:
        print("no article link found in any entry point: check feeds/sitemaps/start_urls and article_urls")
        return
    print(f"article  {report.article_url}\n         HTTP {report.article_status or '-'}"
          + (f" ({report.article_error})" if report.article_error else ""))
    if report.article is None:
        return
    article = shown_article(report.article)
    layers = article["extraction"]
    for key in _SHOWN:
        value = article[key]
        shown = ", ".join(value) if isinstance(value, list) else value
        via = f"  [{layers[key]}]" if key in layers else ""
        print(f"  {key + ':':<11}{shown if shown not in (None, '') else '—'}{via}")
    paragraphs = [p for p in article["body"].split("\n\n") if p.strip()]
    print(f"  body:      {len(article['body'])} characters, {len(paragraphs)} paragraphs"
          f"  [{layers.get('body', '—')}]")
    if paragraphs:
        print(f"    first: {paragraphs[0][:200]}\n    last:  {paragraphs[-1][-200:]}")
    print(f"  read also: {len(article['read_also'])} links")
    for link in article["read_also"]:
        print(f"    - {link['title']}  <{link['url']}>")
    for warning in warnings(site, article):
        print(f"warning: {warning}")
