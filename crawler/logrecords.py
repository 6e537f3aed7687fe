"""One log-record factory for the process, through which hooks see (and may change) every
record as it is made.

Why a record factory rather than handler filters: Scrapy installs its own root handler as
each crawl starts (and users add file handlers with LOG_FILE), so a filter on one handler
misses the others and is lost when the handler is replaced. A hook here covers every
handler, library and exception text, including ones created later.

Hooks run in ``order``: one that reads a record's arguments (crawler.cli.quietlog) must run
before one that flattens them into the message (crawler.logmask, which runs last).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

RecordHook = Callable[[logging.LogRecord], None]
LAST = 1000  # the order of a hook that must see a record after every other one

_hooks: list[tuple[int, RecordHook]] = []
_lock = threading.Lock()


def add_record_hook(hook: RecordHook, order: int = 0) -> None:
    """Run ``hook`` on every log record made in this process from now on (idempotent)."""
    with _lock:
        if any(h is hook for _, h in _hooks):
            return
        if not _hooks:
            base = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = base(*args, **kwargs)
                for _, each in _hooks:
                    each(record)
                return record

            logging.setLogRecordFactory(factory)
        _hooks.append((order, hook))
        _hooks.sort(key=lambda entry: entry[0])
