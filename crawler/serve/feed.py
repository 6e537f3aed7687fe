"""The Atom feed (RFC 4287) of a search: its newest matches, for any feed reader or monitor."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from crawler import __version__
from crawler.serve.present import safe_href
from crawler.storage.query import iso
from crawler.storage.store import utcnow

ATOM = "http://www.w3.org/2005/Atom"
_XML_UNSAFE = str.maketrans({c: None for c in range(32) if c not in (9, 10, 13)})


def _text(value: Any) -> str:
    """XML 1.0 cannot carry most control characters, which scraped text sometimes has."""
    return str(value or "").translate(_XML_UNSAFE)


def _add(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = _text(text)
    return el


def atom_feed(title: str, self_url: str, page_url: str, base_url: str, docs: list[dict[str, Any]],
              summaries: list[str]) -> bytes:
    """``docs`` newest first; ``summaries`` their plain-text snippets."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", "ar")
    _add(feed, "id", self_url)
    _add(feed, "title", title)
    _add(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    _add(feed, "link", rel="alternate", href=page_url, type="text/html")
    _add(feed, "generator", "Rasd", version=__version__)
    author = _add(feed, "author")
    _add(author, "name", "Rasd")
    stamps = [_updated(d) for d in docs]
    _add(feed, "updated", iso(max(stamps) if stamps else utcnow()))
    for doc, summary, updated in zip(docs, summaries, stamps, strict=True):
        entry = _add(feed, "entry")
        href = safe_href(doc.get("url"))
        _add(entry, "id", href or f"{base_url}article/{doc['_id']}")
        _add(entry, "title", doc.get("title") or doc.get("url"))
        _add(entry, "updated", iso(updated))
        if doc.get("published"):
            _add(entry, "published", iso(doc["published"]))
        if href:
            _add(entry, "link", rel="alternate", href=href, type="text/html")
        _add(entry, "link", rel="related", href=f"{base_url}article/{doc['_id']}", type="text/html")
        for name in doc.get("authors") or []:
            _add(_add(entry, "author"), "name", name)
        for tag in doc.get("tags") or []:
            _add(entry, "category", term=_text(tag))
        if doc.get("site"):
            _add(entry, "category", term=_text(doc["site"]), scheme="urn:rasd:site")
        _add(entry, "summary", summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _updated(doc: dict[str, Any]) -> datetime:
    return doc.get("modified") or doc.get("published") or doc.get("first_seen") or utcnow()
