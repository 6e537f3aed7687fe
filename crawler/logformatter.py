"""Scrapy's log lines about items, one line each.

Why: Scrapy's default "Dropped" and "Error processing" messages print the whole item, and a
RawPage item carries the page's HTML — hundreds of kilobytes of a hostile page on stderr and
in the log, controls included, for every page that is not an article."""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


def _which(item: Any) -> str:
    try:
        return str(item.get("url") or item.get("final_url") or type(item).__name__)
    except AttributeError:
        return type(item).__name__


class OneLineLogFormatter(LogFormatter):
    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult:
        """A debug line per article, which the log level usually drops — but only after the
        record is made and its secrets masked (crawler.logmask): Scrapy's own pretty-prints
        the whole article into it, a fifth of a crawl's CPU time (bench.distributed profile)."""
        result = super().scraped(item, response, spider)
        args = result["args"]
        return {**result, "msg": "Scraped %(url)s from %(src)s",
                "args": {"url": _which(item), "src": args["src"] if isinstance(args, dict) else response}}

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        return {**result, "msg": "Dropped %(url)s: %(exception)s",
                "args": {"url": _which(item), "exception": exception}}

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        result = super().item_error(item, exception, response, spider)
        return {**result, "msg": "Error processing %(url)s", "args": {"url": _which(item)}}
