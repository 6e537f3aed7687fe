"""Incremental crawling: whether a discovered article URL is worth a request.

A scheduled crawler revisits feeds, sitemaps and listings every few minutes; refetching
every article it links to would multiply the load on the site for nothing. A stored article
is fetched again only when the feed or sitemap says it changed, or while it is young enough
that newsrooms still edit it — and then conditionally, so an unchanged page costs a 304.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.dates import parse_date


@dataclass(frozen=True)
class Plan:
    fetch: bool
    reason: str                      # new | changed | recheck | known
    headers: dict[str, str] = field(default_factory=dict)


NEW = Plan(True, "new")


def plan(stored: dict[str, Any] | None, hints: dict[str, str], recheck_window: int,
         now: datetime, timezone: str = "UTC") -> Plan:
    """What to do about one discovered URL given its stored article (None when unknown)."""
    if stored is None:
        return NEW
    conditional = conditional_headers(stored.get("headers") or {})
    lastmod = parse_date(hints.get("lastmod"), timezone, now) if hints.get("lastmod") else None
    # What we hold is as recent as its own dates and the last time we read it; comparing with
    # the fetch time also copes with pages that print only the day of publication.
    held = _latest(stored.get("modified"), stored.get("published"), stored.get("fetched_at"),
                   stored.get("last_seen"))
    if lastmod is not None and (held is None or lastmod > held):
        # The site says it changed; still conditional, since sitemaps often overstate it.
        return Plan(True, "changed", conditional)
    published = _aware(stored.get("published") or stored.get("first_seen"))
    if recheck_window and published is not None and now - published < timedelta(seconds=recheck_window):
        return Plan(True, "recheck", conditional)
    return Plan(False, "known")


def conditional_headers(headers: dict[str, Any]) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the validators the page was last served with."""
    out = {}
    if headers.get("etag"):
        out["If-None-Match"] = headers["etag"]
    if headers.get("last_modified"):
        out["If-Modified-Since"] = headers["last_modified"]
    return out


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _latest(*values: Any) -> datetime | None:
    dates = [d for d in (_aware(v) for v in values) if d is not None]
    return max(dates) if dates else None

