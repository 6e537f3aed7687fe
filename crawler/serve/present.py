"""How stored values are shown: highlighted search terms, snippets, safe links, Arabic dates.

Stored pages are hostile input. Text only ever reaches a page through ``markupsafe.escape``
(Jinja autoescape, or here before wrapping matches in <mark>); a URL becomes a link only when
it is http(s); bidirectional control characters are dropped from URLs shown as text, where
they could disguise one address as another.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from crawler.storage.analyzer import Marked

SNIPPET_CHARS = 240
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
           "أكتوبر", "نوفمبر", "ديسمبر")


def marked(runs: Marked) -> Markup:
    """Marked runs of published text (made by the store's analyzer) as HTML: every run
    escaped, matches in <mark>."""
    return Markup("").join(Markup("<mark>{}</mark>").format(t) if hit else escape(t) for t, hit in runs)


def title(doc: dict[str, Any]) -> Markup:
    """A result's title, its matches marked exactly as in its snippet; the URL when untitled."""
    if doc.get("title") and "highlights" in doc:
        return marked(doc["highlights"]["title"])
    return escape(doc.get("title") or doc.get("url") or "")


def snippet(doc: dict[str, Any]) -> Markup:
    """The store's snippet of a found article (the stretch with most matches, marked); the
    body's start when nothing is searched."""
    if "highlights" in doc:
        return marked(doc["highlights"]["snippet"])
    body = " ".join((doc.get("body") or doc.get("summary") or "").split())
    return escape(body[:SNIPPET_CHARS]) + (Markup(" …") if len(body) > SNIPPET_CHARS else Markup(""))


def safe_href(url: Any) -> str | None:
    """The URL if a browser may follow it (http or https), else None: the page then shows it
    as inert text, never as a link (javascript:, data:, vbscript: …)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") and not _BIDI_CONTROLS.search(url) else None


def shown_url(url: Any) -> str:
    """A URL as text: without bidi controls, which could reorder it into another address."""
    return _BIDI_CONTROLS.sub("", str(url or ""))


def arabic_date(value: Any) -> str:
    """``12 سبتمبر 2023، 09:00 UTC``: the page's text before the browser's script rewrites it
    in the reader's time zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}، {value:%H:%M} UTC"


def shown(value: Any) -> str:
    """Any stored value as text for the article's field table."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"({len(value)} bytes)"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
