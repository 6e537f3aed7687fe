"""Credentials never reach a log: every log record is passed through ``mask_secrets`` where
it is made (a hook of crawler.logrecords, run after every other hook), so every handler,
library and exception text is covered, including ones created later.
"""

from __future__ import annotations

import logging

from crawler.logrecords import LAST, add_record_hook
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


_FILTER = SecretsFilter()


def _mask(record: logging.LogRecord) -> None:
    _FILTER.filter(record)


def install() -> None:
    """Mask every log record made in this process from now on (idempotent)."""
    add_record_hook(_mask, order=LAST)
