"""How stored values are shown: highlighted search terms, snippets, safe links, Arabic dates.

Stored pages are hostile input. Text only ever reaches a page through ``markupsafe.escape``
(Jinja autoescape, or here before wrapping matches in <mark>); a URL becomes a link only when
it is http(s); bidirectional control characters are dropped from URLs shown as text, where
they could disguise one address as another.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from crawler.arabic import spelling_pattern
from crawler.storage import analyzer
from crawler.storage.analyzer import Search

SNIPPET_CHARS = 240
# Marks around matches inside a snippet before escaping: control characters, which stored text
# never holds (they are removed from pages before extraction).
_OPEN, _CLOSE = "\x02", "\x03"
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
           "أكتوبر", "نوفمبر", "ديسمبر")


def search_terms(search: str | None) -> list[str]:
    """The words and "phrases" of a search worth highlighting (not -excluded ones)."""
    if not search:
        return []
    try:
        tokens = shlex.split(search)
    except ValueError:  # an unclosed quote: take the words as they are
        tokens = search.replace('"', " ").split()
    return [t for t in tokens if t and not t.startswith("-")]


def term_pattern(terms: list[str]) -> re.Pattern[str] | None:
    patterns = [p.pattern for p in map(spelling_pattern, terms) if p is not None]
    if not patterns:
        return None
    # Longest first, so a phrase wins over one of its words.
    return re.compile("|".join(sorted(patterns, key=len, reverse=True)), re.IGNORECASE)


def highlight(text: str | None, pattern: re.Pattern[str] | None) -> Markup:
    """``text`` escaped, with every match of ``pattern`` in <mark>."""
    text = text or ""
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for m in pattern.finditer(text):
        if m.end() == m.start():
            continue
        out += [escape(text[last:m.start()]), Markup("<mark>"), escape(m.group()), Markup("</mark>")]
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(doc: dict[str, Any], search: Search | None) -> Markup:
    """The stretch of the body with most search terms, matches in <mark>, chosen by the same
    analyzer that ranked the article (so «والنفط» is marked for النفط); the body's start when
    nothing is searched. Not the store's own snippet: that one is plain text, its marks
    brackets that a published text may hold too."""
    body = " ".join((doc.get("body") or doc.get("summary") or "").split())
    if search is None or search.empty:
        return escape(body[:SNIPPET_CHARS]) + (Markup(" …") if len(body) > SNIPPET_CHARS else Markup(""))
    marked = analyzer.snippet(body.replace(_OPEN, "").replace(_CLOSE, ""), search, mark=(_OPEN, _CLOSE))
    return Markup(str(escape(marked)).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))


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
