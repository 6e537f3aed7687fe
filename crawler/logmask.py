"""Credentials never reach a log: every log record is passed through ``mask_secrets``.

Why a record factory rather than a handler filter: Scrapy installs its own root handler
when a crawl starts (and users add file handlers with LOG_FILE), and a filter on one handler
misses the others. Masking the record where it is made covers every handler, library and
exception text, including ones created later.
"""

from __future__ import annotations

import logging
from typing import Any

from crawler.secrets import mask_secrets


class SecretsFilter(logging.Filter):
    """Rewrites a record in place: message (with its arguments), exception and stack text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: keep what can be shown, masked
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = mask_secrets(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_secrets(record.stack_info)
        return True


_installed = False


def install() -> None:
    """Mask every log record made in this process from now on (idempotent)."""
    global _installed
    if _installed:
        return
    base = logging.getLogRecordFactory()
    secrets_filter = SecretsFilter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        secrets_filter.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
