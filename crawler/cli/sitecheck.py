"""``rasd sites --check NAME``: one entry point and one article through the real spider
and the offline pipeline stages, so a user adding or fixing a site sees what a crawl would
store without storing anything.

The check subclasses the crawl spider instead of fetching on its own, so discovery, request
settings (robots.txt, user agent, rendering) and extraction are exactly those of a crawl.
Entry points are tried in config order (feeds, sitemaps, listings) until one yields an article
link; a sitemap index is followed into its first child only.

``rasd sites --check --all`` checks many sites at once, in one reactor, within a time budget,
and gives each a verdict: ``ok`` (an article was read), ``blocked`` (the site refused us —
401/403/429, a bot challenge, a feed emptied for bots — see crawler.fetch.blocking) or
``failing`` (gone, moved, no article link, selectors broken). It is what a user runs on their
own network before scheduling: a datacenter is often refused where a home network is not.
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings
from twisted.python.failure import Failure

from crawler.cli.common import EXIT_CONFIG, EXIT_OK, EXIT_USAGE, CliError, table
from crawler.config import SiteConfig
from crawler.fetch.blocking import advice_for, is_blocked_kind
from crawler.fetch.discovery import Entry
from crawler.model import fields_with
from crawler.rasdconfig import RasdConfig
from crawler.spiders.news import Found, NewsSpider
from crawler.storage.query import iso
from crawler.urls import display_url, join_url

MAX_SHOWN_LINKS = 5
OK, BLOCKED, FAILING = "ok", "blocked", "failing"
CHECKED_FIELDS = ("title", "published", "authors", "body")  # "fields missing" in the table
DEFAULT_BUDGET = 60  # seconds per site; all sites run at once


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
    blocked: list[tuple[str, str]] = field(default_factory=list)  # (error kind, evidence)
    finish_reason: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.article and self.article.get("title") and self.article.get("body"))

    @property
    def verdict(self) -> str:
        if self.ok:
            return OK
        return BLOCKED if self.blocked else FAILING

    @property
    def entry_that_worked(self) -> EntryResult | None:
        return next((e for e in self.entries if e.article_links), None)

    @property
    def missing(self) -> list[str]:
        if self.article is None:
            return []
        return [f for f in CHECKED_FIELDS if not self.article.get(f)]

    @property
    def advice(self) -> str:
        return advice_for(kind for kind, _ in self.blocked)

    def _no_link_why(self) -> str:
        answered = [e for e in self.entries if e.status]
        if not answered:
            first = self.entries[0].error if self.entries else "none configured"
            return f"no entry point answered ({first})"
        if all((e.status or 0) >= 400 for e in answered):
            statuses = ", ".join(sorted({str(e.status) for e in answered}))
            return f"every entry point answered HTTP {statuses}: moved or gone?"
        return "no article link in any entry point (feeds moved? article_urls outdated?)"

    def why(self) -> str:
        """The verdict in words, for the table's last column."""
        if self.verdict == BLOCKED:
            return self.blocked[0][1]
        if self.verdict == OK:
            return ""
        if self.finish_reason == "closespider_timeout":
            return "no article read within the time budget"
        if not self.article_url:
            return self._no_link_why()
        if self.article is None:
            return f"article not read: {self.article_error or f'HTTP {self.article_status}'}"
        return "article has no title or body: selectors broken by a redesign?"


class CheckSpider(NewsSpider):
    """The crawl's spider, asked for one article: it reads entry points with the spider's
    own ``*_entries`` (what a feed, sitemap or listing gives), requests the first article
    entry as a crawl would, and reads it with the spider's ``read_article`` — whose
    read-also links it shows, never follows."""

    name = "sitecheck"

    def __init__(self, site: str | None = None, **kwargs: Any) -> None:
        super().__init__(site=site, **kwargs)
        self.report = CheckReport(site=site or "")

    def _entries(self) -> list[tuple[str, str, Callable[[Response], Any]]]:
        return ([("feed", u, self.feed_entries) for u in self.site.feeds]
                + [("sitemap", u, self.sitemap_entries) for u in self.site.sitemaps]
                + [("listing", u, self.listing_entries) for u in self.site.start_urls])

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
        kind, _, entries_of = self._entries()[index]
        found = entries_of(response)  # feeds and sitemaps are read asynchronously, listings not
        if inspect.isawaitable(found):
            found = await found
        found = found or Found()
        links = self.own_links(found.articles, response.url)
        result.article_links = [url for url, _ in links]
        if links:
            url, hints = links[0]
            self.report.article_url = url
            for request in self.article_request(url, response.url, hints=hints):
                yield request.replace(callback=self.check_article, errback=self.article_failed)
            return
        sitemap_children = [r for r in found.requests if kind == "sitemap" and r.callback == self.parse_sitemap]
        probes = [r for r in found.requests if r.callback == self.probe_feed]
        if probes:  # an empty feed: is it empty for bots only? then the next entry point
            yield probes[0].replace(callback=self.check_probe, errback=self.check_probe_failed,
                                    meta={**probes[0].meta, "entry_index": index})
            return
        following = (self._entry_request(index, sitemap_children[0].url) if sitemap_children
                     else self._entry_request(index + 1))
        for request in following:
            yield request

    def own_links(self, entries: list[Entry], referer: str) -> list[tuple[str, dict[str, str]]]:
        """The site's own article links among an entry point's, once each, as linked: that
        spelling is what the check requests."""
        links: list[tuple[str, dict[str, str]]] = []
        seen: set[str] = set()
        for entry in entries:
            url = join_url(referer, entry.url)
            key = self.site.canonical(url) if url else ""
            if key and self.site.owns(key) and key not in seen:
                seen.add(key)
                links.append((url, entry.hints))
        return links

    def check_article(self, response: Response) -> Iterator[Any]:
        """The article as a crawl reads it; its read-also links are shown, not followed."""
        self.report.article_status = response.status
        parsed = self.read_article(response)
        if parsed is not None:
            yield parsed.article

    def check_probe(self, response: Response) -> Iterator[scrapy.Request]:
        self.probe_feed(response)
        yield from self._entry_request(response.meta["entry_index"] + 1)

    def check_probe_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.probe_failed(failure)
        yield from self._entry_request(failure.request.meta["entry_index"] + 1)  # type: ignore[attr-defined]  # set by Scrapy on errback failures

    def entry_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on errback failures
        response = getattr(failure.value, "response", None)
        result = self.report.entries[-1]
        result.status = response.status if response is not None else None
        result.error = failure.getErrorMessage()
        self.on_error(failure)  # counted and classified (a refusal is noted as such)
        yield from self._entry_request(request.meta["entry_index"] + 1)

    def article_failed(self, failure: Failure) -> None:
        response = getattr(failure.value, "response", None)
        self.report.article_status = response.status if response is not None else None
        self.report.article_error = failure.getErrorMessage()
        self.on_error(failure)

    def record_error(self, kind: str, message: str, level: int = logging.WARNING) -> None:
        """Errors as in a crawl; refusals are also the report's evidence for ``blocked``."""
        super().record_error(kind, message, level)
        if is_blocked_kind(kind):
            self.report.blocked.append((kind, message))


def check_settings(settings: Settings) -> Settings:
    """The crawl's settings minus storing, deduplication and progress output."""
    settings = settings.copy()
    # The spider's callback makes the article (RASD_OFFLINE_STAGES); nothing happens after.
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("EXTENSIONS", {"crawler.cli.progress.Progress": None}, priority="cmdline")
    # A check always fetches its article, stored or not, and opens no database.
    settings.set("RASD_INCREMENTAL", False, priority="cmdline")
    return settings


def budget_settings(settings: Settings, budget: float) -> Settings:
    """A check gives up on a site after ``budget`` seconds, and on one request after a third
    of it: a first run over the whole catalogue must not hang on one silent host."""
    settings = settings.copy()
    settings.set("CLOSESPIDER_TIMEOUT", budget, priority="cmdline")
    settings.set("DOWNLOAD_TIMEOUT", min(settings.getfloat("DOWNLOAD_TIMEOUT"), max(budget / 3, 1.0)),
                 priority="cmdline")
    settings.set("RETRY_TIMES", min(settings.getint("RETRY_TIMES"), 1), priority="cmdline")
    return settings


def run_checks(site_names: list[str], settings: Settings, budget: float = DEFAULT_BUDGET) -> list[CheckReport]:
    """Check the sites concurrently in one reactor run; one report per site, in order."""
    process = CrawlerProcess(budget_settings(check_settings(settings), budget))
    crawlers = []
    for name in site_names:
        crawler = process.create_crawler(CheckSpider)
        _collect(crawler)
        process.crawl(crawler, site=name)
        crawlers.append(crawler)
    process.start()
    reports = []
    for crawler in crawlers:
        report = _report(crawler)
        report.finish_reason = str(crawler.stats.get_value("finish_reason") or "")
        reports.append(report)
    return reports


def run_check(site_name: str, settings: Settings, budget: float = DEFAULT_BUDGET) -> CheckReport:
    return run_checks([site_name], settings, budget)[0]


def _report(crawler: Crawler) -> CheckReport:
    spider = crawler.spider
    assert isinstance(spider, CheckSpider)  # every crawler here is created for CheckSpider
    return spider.report


def _collect(crawler: Crawler) -> None:
    """The article the pipelines produced (or why they dropped it) goes into the report."""

    def scraped(item: Mapping[str, Any], **_: Any) -> None:
        _report(crawler).article = dict(item)

    def dropped(item: Mapping[str, Any], exception: BaseException, **_: Any) -> None:
        _report(crawler).article_error = f"dropped by the pipeline: {exception}"

    crawler.signals.connect(scraped, signal=signals.item_scraped, weak=False)
    crawler.signals.connect(dropped, signal=signals.item_dropped, weak=False)


# --- showing the result ------------------------------------------------------------------

_SHOWN = fields_with("shown")


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


SUMMARY_COLUMNS = ("site", "entry point that worked", "article read", "fields missing", "verdict", "why")


SHOWN_TITLE = 40  # characters of the article's title in the table


def summary_row(report: CheckReport) -> list[str]:
    worked = report.entry_that_worked
    title = (report.article or {}).get("title") or ""
    read = (title[:SHOWN_TITLE] + ("…" if len(title) > SHOWN_TITLE else "")) if report.article else "—"
    return [report.site, f"{worked.kind} {display_url(worked.url)}" if worked else "—", read,
            ", ".join(report.missing) or ("—" if report.article is None else "none"),
            report.verdict, report.why()]


def summary_lines(reports: list[CheckReport]) -> list[str]:
    """Under the table: what to try for each blocked site, then the counts."""
    lines = [f"{r.site}: {r.advice}" for r in reports if r.verdict == BLOCKED]
    counts = {v: sum(r.verdict == v for r in reports) for v in (OK, BLOCKED, FAILING)}
    line = f"{len(reports)} sites checked: {counts[OK]} ok, {counts[BLOCKED]} blocked, {counts[FAILING]} failing"
    if counts[BLOCKED]:
        line += " (blocked is not broken: the same site may answer from another network)"
    return [*lines, line]


def report_json(report: CheckReport, site: SiteConfig) -> dict[str, Any]:
    article = shown_article(report.article) if report.article else None
    return {"site": report.site, "ok": report.ok, "verdict": report.verdict, "why": report.why(),
            "blocked": [evidence for _, evidence in report.blocked], "advice": report.advice or None,
            "missing": report.missing, "warnings": warnings(site, article),
            "entries": [vars(e) for e in report.entries], "article_url": report.article_url,
            "article_status": report.article_status, "article_error": report.article_error,
            "article": article}


def print_report(report: CheckReport, site: SiteConfig) -> None:
    for e in report.entries:
        outcome = f"HTTP {e.status}" if e.status else "no response"
        if e.error:
            outcome += f" ({e.error})"
        print(f"{e.kind:<8} {display_url(e.url)}\n         {outcome}, {len(e.article_links)} article links")
        for url in e.article_links[:MAX_SHOWN_LINKS]:
            print(f"           {display_url(url)}")
    for _, evidence in report.blocked:
        print(f"refused  {evidence}")
    if report.blocked and not report.ok:
        print(f"blocked: {report.advice}")
    if not report.article_url:
        if not report.blocked:  # refused is not misconfigured
            print("no article link found in any entry point: check feeds/sitemaps/start_urls and article_urls")
        return
    print(f"article  {display_url(report.article_url)}\n         HTTP {report.article_status or '-'}"
          + (f" ({report.article_error})" if report.article_error else ""))
    if report.article is None:
        return
    article = shown_article(report.article)
    layers = article["extraction"]
    for key in _SHOWN:
        value = article[key]
        shown = ", ".join(value) if isinstance(value, list) else value
        if key == "url" and shown:
            shown = display_url(shown)
        via = f"  [{layers[key]}]" if key in layers else ""
        print(f"  {key + ':':<11}{shown if shown not in (None, '') else '—'}{via}")
    paragraphs = [p for p in article["body"].split("\n\n") if p.strip()]
    print(f"  body:      {len(article['body'])} characters, {len(paragraphs)} paragraphs"
          f"  [{layers.get('body', '—')}]")
    if paragraphs:
        print(f"    first: {paragraphs[0][:200]}\n    last:  {paragraphs[-1][-200:]}")
    print(f"  read also: {len(article['read_also'])} links")
    for link in article["read_also"]:
        print(f"    - {link['title']}  <{display_url(link['url'])}>")
    for warning in warnings(site, article):
        print(f"warning: {warning}")


# --- the command ---------------------------------------------------------------------------


def run_cli(args: argparse.Namespace, config: RasdConfig, sites: dict[str, SiteConfig], active: list[str]) -> int:
    """``rasd sites --check [NAME…|--all]``: one site in detail, or many in one verdict table
    (no names: the active sites); exit 1 when any site cannot be read."""
    from crawler.cli.runner import project_settings

    names = sorted(sites) if args.all else (args.names or active)
    budget = args.budget or DEFAULT_BUDGET
    if not names:
        raise CliError("name the sites to check, or --all", EXIT_USAGE)
    unknown = [n for n in names if n not in sites]
    if unknown:
        raise CliError(f"unknown site {unknown[0]!r} (known: {', '.join(sorted(sites))})", EXIT_CONFIG)
    single = len(names) == 1 and not args.all
    # Many sites at once: the table says what went wrong, Scrapy's tracebacks would bury it.
    quiet = "ERROR" if single else "CRITICAL"
    settings = project_settings(
        config,
        LOG_LEVEL="INFO" if args.verbose else quiet, user=args.set or [],
    )
    if single:
        print(f"checking {names[0]}: one entry point, one article; nothing is stored", file=sys.stderr)
        report = run_check(names[0], settings, budget)
        if args.format == "json":
            print(json.dumps(report_json(report, sites[names[0]]), ensure_ascii=False, indent=2, default=str))
        else:
            print_report(report, sites[names[0]])
        return EXIT_OK if report.ok else 1
    print(f"checking {len(names)} sites at once, at most {budget:g}s each: one entry point and one "
          "article per site; nothing is stored", file=sys.stderr)
    reports = run_checks(names, settings, budget)
    if args.format == "json":
        print(json.dumps([report_json(r, sites[r.site]) for r in reports], ensure_ascii=False, indent=2,
                         default=str))
    else:
        print(table([summary_row(r) for r in reports], SUMMARY_COLUMNS))
        print("\n".join(summary_lines(reports)))
    return EXIT_OK if all(r.ok for r in reports) else 1
