"""Why a request failed, as a short stable kind: the names of ``rasd/errors/<kind>`` stats,
and which of them mean the network, not the site, failed (expected without a connection:
counted and summarised, never a traceback unless asked for with ``-v``)."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer, error
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

# Failure types → error kinds in stats (rasd/errors/<kind>); subclasses before their bases.
_FAILURE_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (CannotResolveHostError, "dns"),
    (error.DNSLookupError, "dns"),
    (DownloadConnectionRefusedError, "connection_refused"),
    (error.ConnectionRefusedError, "connection_refused"),
    (DownloadTimeoutError, "timeout"),
    (defer.TimeoutError, "timeout"),
    (error.TimeoutError, "timeout"),
    (error.TCPTimedOutError, "timeout"),
    (error.NoRouteError, "no_route"),
    (error.ConnectError, "connect_error"),
    (DownloadCancelledError, "too_large"),  # bodies over DOWNLOAD_MAXSIZE are cancelled
    (ResponseDataLossError, "truncated"),
    (DownloadFailedError, "connection_lost"),
    (ResponseFailed, "connection_lost"),
    (error.ConnectionLost, "connection_lost"),
)
_IGNORED_KINDS = (("DOWNLOAD_MAXSIZE", "too_large"), ("robots.txt", "robots_disallowed"),
                  ("redirections", "redirect_loop"), ("given up for this run", "host_given_up"))
# The host did not answer at all: no name, no route, refused, silent, cut off.
NETWORK_KINDS = frozenset({"dns", "connection_refused", "timeout", "no_route", "connect_error",
                           "connection_lost"})
NETWORK_ERRORS = tuple(t for t, kind in _FAILURE_KINDS if kind in NETWORK_KINDS)


def failure_kind(failure: Failure) -> str:
    """A short, stable name for why a request failed."""
    if isinstance(failure.value, HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(IgnoreRequest):
        message = failure.getErrorMessage()
        return next((kind for needle, kind in _IGNORED_KINDS if needle in message), "ignored")
    for exc_type, kind in _FAILURE_KINDS:
        if failure.check(exc_type):
            return kind
    name = failure.type.__name__ if failure.type else "error"
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def network_kind(exc: BaseException) -> str | None:
    """The kind of a network failure; None for anything else (an answer, a bug, a limit)."""
    return next((kind for t, kind in _FAILURE_KINDS if isinstance(exc, t) and kind in NETWORK_KINDS), None)
