"""Article discovery from feeds (RSS 2.0, Atom, JSON Feed) and sitemaps (index, urlset,
Google News). XML is parsed with entity resolution and network access off, so a hostile
feed cannot expand entities or make us fetch anything."""

from __future__ import annotations

import heapq
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.url import url_has_any_extension

_MEDIA = {"." + ext for ext in IGNORED_EXTENSIONS}
_PARSER_OPTS = {"resolve_entities": False, "no_network": True, "recover": True,
                "huge_tree": False, "remove_comments": True, "remove_pis": True}


@dataclass
class Entry:
    """One discovered URL and whatever the feed or sitemap said about it."""

    url: str
    hints: dict[str, str] = field(default_factory=dict)


@dataclass
class Sitemap:
    entries: list[Entry]
    children: list[str]  # nested sitemaps of a sitemap index


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(node: etree._Element, *names: str) -> str:
    for child in node.iter():
        if _local(child.tag) in names and (child.text or "").strip():
            return child.text.strip()
    return ""


def _stream(body: bytes) -> Iterator[tuple[etree._Element, etree._Element]]:
    """(element, root) for each element as its end tag is read, freed once the caller is
    done with it: a 7 MB sitemap or a feed of 100k entries never sits in memory as a tree.
    A document that breaks off keeps what was read before the break."""
    events = etree.iterparse(io.BytesIO(body.lstrip()), events=("start", "end"), **_PARSER_OPTS)
    root = None
    try:
        for event, node in events:
            if event == "start":
                if root is None:
                    root = node
                continue
            yield node, root
            if node is not root and node.getparent() is root:
                node.clear()
                while node.getprevious() is not None:  # what clear() leaves: the emptied siblings
                    del root[0]
    except etree.XMLSyntaxError:
        return


def iter_sitemap(body: bytes) -> Iterator[tuple[bool, Entry]]:
    """(is a nested sitemap, entry) for each <url> of a urlset or <sitemap> of an index."""
    for node, root in _stream(body):
        if node is root or node.getparent() is not root:
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        if _local(root.tag) == "sitemapindex":
            yield True, Entry(loc, {"lastmod": v} if (v := _child_text(node, "lastmod")) else {})
            continue
        hints = {
            "lastmod": _child_text(node, "lastmod"),
            "published": _child_text(node, "publication_date"),
            "title": _child_text(node, "title"),
        }
        yield False, Entry(loc, {k: v for k, v in hints.items() if v})


def parse_sitemap(body: bytes) -> Sitemap:
    entries, children = [], []
    for nested, entry in iter_sitemap(body):
        if nested:
            children.append(entry.url)
        else:
            entries.append(entry)
    return Sitemap(entries, children)


def iter_feed(body: bytes) -> Iterator[Entry]:
    """Entries of an RSS 2.0, Atom or JSON feed; an unreadable feed gives none."""
    stripped = body.lstrip()
    if stripped.startswith(b"{"):
        yield from _json_feed(stripped)
        return
    for node, _root in _stream(stripped):
        name = _local(node.tag)
        if name == "item":  # RSS 2.0 / RSS 1.0
            url = _child_text(node, "link") or _child_text(node, "guid")
            hints = {"published": _child_text(node, "pubdate", "date"),
                     "title": _child_text(node, "title")}
        elif name == "entry":  # Atom
            url = next((link.get("href", "") for link in node if _local(link.tag) == "link"
                        and link.get("rel", "alternate") == "alternate"), "")
            hints = {"published": _child_text(node, "published"),
                     "lastmod": _child_text(node, "updated"), "title": _child_text(node, "title")}
        else:
            continue
        if url:
            yield Entry(url.strip(), {k: v for k, v in hints.items() if v})
        # An RSS item sits under <channel>, below what _stream frees.
        node.clear()
        while node.getprevious() is not None:
            del node.getparent()[0]


def parse_feed(body: bytes) -> list[Entry]:
    return list(iter_feed(body))


class Newest:
    """At most ``limit`` entries (0 = all), newest first where they are dated (undated ones
    after the dated, in document order), and how many were left out. Memory stays at
    ``limit`` entries however many are added."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.skipped = 0
        self._heap: list[tuple[tuple[float, int], int, Entry]] = []
        self._added = 0

    def add(self, entry: Entry) -> None:
        item = ((_timestamp(entry.hints), -self._added), self._added, entry)
        self._added += 1
        if not self.limit or len(self._heap) < self.limit:
            heapq.heappush(self._heap, item)
        else:
            heapq.heappushpop(self._heap, item)
            self.skipped += 1

    def entries(self) -> list[Entry]:
        return [entry for _key, _pos, entry in sorted(self._heap, reverse=True)]


def newest(entries: Iterable[Entry], limit: int) -> tuple[list[Entry], int]:
    """:class:`Newest` over an iterable: the entries kept and how many were left out."""
    picked = Newest(limit)
    for entry in entries:
        picked.add(entry)
    return picked.entries(), picked.skipped


def _timestamp(hints: dict[str, str]) -> float:
    """When an entry was published or last changed, as a POSIX time; -inf when undated."""
    for key in ("published", "lastmod"):
        text = hints.get(key)
        if not text:
            continue
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                when = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                continue
        try:
            return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
        except (OverflowError, ValueError, OSError):
            continue
    return float("-inf")


def _json_feed(body: bytes) -> list[Entry]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return []
    items = data.get("items") if isinstance(data, dict) else None
    entries = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            hints = {"published": item.get("date_published"), "lastmod": item.get("date_modified"),
                     "title": item.get("title")}
            entries.append(Entry(item["url"], {k: str(v) for k, v in hints.items() if v}))
    return entries


def page_links(root: etree._Element, base_url: str) -> Iterator[str]:
    """Absolute URLs of a page's ``<a href>`` and ``<area href>``, in page order, each once,
    media files left out — lazily, so a caller with enough links stops there. Why not
    Scrapy's LinkExtractor: it builds every Link of the page first, ~30 s of CPU for a
    listing of 250k links before the first one could be used."""
    seen: set[str] = set()
    for node in root.iter("a", "area"):
        href = (node.get("href") or "").strip()
        if not href:
            continue
        try:
            url = urljoin(base_url, href)
        except ValueError:  # a malformed host ("http://[::1")
            continue
        if url not in seen and not url_has_any_extension(url, _MEDIA):
            seen.add(url)
            yield url
