"""Network failures are expected events (no connection, a site down), not errors of Rasd:
their log records are made at INFO, so ``rasd crawl`` shows them (with Scrapy's traceback)
only with ``-v``. Without it, they are counted in the stats and the CLI prints one line
per site and kind at the end instead of an error line and a traceback per attempt.

A record hook (crawler.logrecords), like crawler.logmask, because Scrapy replaces its root
log handler as each crawler starts, so a handler filter would be lost; it runs before
logmask, which flattens the record's arguments into the message."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

from crawler.fetch.failures import NETWORK_ERRORS, NETWORK_KINDS
from crawler.logrecords import add_record_hook

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

# Counted error kinds (crawler.errors.record_error) that only repeat a network failure.
_QUIET_KINDS = NETWORK_KINDS | {"host_given_up", "host_unreachable"}


def is_network_failure(name: str, args: Any, exc_info: Any) -> bool:
    if isinstance(args, tuple) and len(args) == 1 and isinstance(args[0], Mapping):
        args = args[0]  # logger.log(level, "%(name)s", {...}): LogRecord unwraps it later
    if exc_info and isinstance(exc_info, tuple) and isinstance(exc_info[1], NETWORK_ERRORS):
        return True  # "Error downloading …" with its traceback
    if isinstance(args, Mapping) and isinstance(args.get("reason"), NETWORK_ERRORS):
        return True  # RetryMiddleware's "Gave up retrying …"
    return (name == "crawler.errors" and isinstance(args, tuple) and bool(args)
            and args[0] in _QUIET_KINDS)


def _quiet(record: logging.LogRecord) -> None:
    if record.levelno > logging.INFO and is_network_failure(record.name, record.args, record.exc_info):
        record.levelno, record.levelname = logging.INFO, "INFO"


def install() -> None:
    """Make network-failure records at INFO from now on, in this process (idempotent)."""
    add_record_hook(_quiet)


class QuietNetworkFailures:
    """Extension: installs the record factory in the crawl process (``scrapy crawl`` too)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        install()
        return cls()
