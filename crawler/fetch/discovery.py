"""Article discovery from feeds (RSS 2.0, Atom, JSON Feed) and sitemaps (index, urlset,
Google News). XML is parsed with entity resolution and network access off, so a hostile
feed cannot expand entities or make us fetch anything."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from lxml import etree

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


def _xml(body: bytes) -> etree._Element | None:
    try:
        root = etree.fromstring(body.lstrip(), parser=etree.XMLParser(**_PARSER_OPTS))
    except etree.XMLSyntaxError:
        return None
    return root


def _child_text(node: etree._Element, *names: str) -> str:
    for child in node.iter():
        if _local(child.tag) in names and (child.text or "").strip():
            return child.text.strip()
    return ""


def parse_sitemap(body: bytes) -> Sitemap:
    root = _xml(body)
    if root is None:
        return Sitemap([], [])
    kind = _local(root.tag)
    entries, children = [], []
    for node in root:
        loc = _child_text(node, "loc")
        if not loc:
            continue
        if kind == "sitemapindex":
            children.append(loc)
            continue
        hints = {
            "lastmod": _child_text(node, "lastmod"),
            "published": _child_text(node, "publication_date"),
            "title": _child_text(node, "title"),
        }
        entries.append(Entry(loc, {k: v for k, v in hints.items() if v}))
    return Sitemap(entries, children)


def parse_feed(body: bytes) -> list[Entry]:
    """Entries of an RSS 2.0, Atom or JSON feed; an unreadable feed gives none."""
    stripped = body.lstrip()
    if stripped.startswith(b"{"):
        return _json_feed(stripped)
    root = _xml(stripped)
    if root is None:
        return []
    entries = []
    for node in root.iter():
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
            entries.append(Entry(url.strip(), {k: v for k, v in hints.items() if v}))
    return entries


def _json_feed(body: bytes) -> list[Entry]:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    items = data.get("items") if isinstance(data, dict) else None
    entries = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            hints = {"published": item.get("date_published"), "lastmod": item.get("date_modified"),
                     "title": item.get("title")}
            entries.append(Entry(item["url"], {k: str(v) for k, v in hints.items() if v}))
    return entries
