"""Layer 3: OpenGraph, article:* and other <meta> tags."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from crawler.extract.textutil import clean

_META = {
    "title": ("og:title", "twitter:title"),
    "published": (
        "article:published_time", "og:article:published_time", "datePublished", "pubdate",
        "publish-date", "date", "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date",
    ),
    "modified": ("article:modified_time", "og:updated_time", "dateModified", "last-modified"),
    "authors": ("article:author", "author", "dc.creator", "parsely-author"),
    "tags": ("article:tag", "news_keywords", "keywords"),
    "summary": ("og:description", "description", "twitter:description"),
    "section": ("article:section", "parsely-section"),
    "image": ("og:image", "twitter:image"),
}
_SUFFIX = re.compile(r"\s+[-|–—:»]\s+[^-|–—:»]{2,40}$")


def _meta_values(tree: etree._Element) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for m in tree.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        content = clean(m.get("content"))
        if key and content:
            values.setdefault(key, []).append(content)
    return values


def extract(tree: etree._Element) -> dict[str, Any]:
    metas = _meta_values(tree)
    out: dict[str, Any] = {}
    for field, keys in _META.items():
        for key in keys:
            found = metas.get(key.lower())
            if not found:
                continue
            if field == "tags":
                out[field] = [t.strip() for v in found for t in re.split(r"[,،]", v) if t.strip()]
            elif field == "authors":
                out[field] = found
            elif field == "title":
                out[field] = strip_site_suffix(found[0])
            else:
                out[field] = found[0]
            break
    return out


def strip_site_suffix(title: str) -> str:
    """'Headline - Site Name' → 'Headline' (only a short trailing segment is cut)."""
    title = clean(title)
    stripped = _SUFFIX.sub("", title)
    return stripped if len(stripped) >= 10 else title


def canonical(tree: etree._Element, base: str) -> str | None:
    """The page's own idea of its URL: <link rel=canonical>, else og:url."""
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return urljoin(base, link.get("href").strip())
    for m in tree.iter("meta"):
        if (m.get("property") or "").lower() == "og:url" and m.get("content"):
            return urljoin(base, m.get("content").strip())
    return None
