"""Layer 3: OpenGraph, article:* and other <meta> tags."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from crawler.extract.textutil import clean, one_line
from crawler.urls import join_url

_META = {
    "title": ("og:title", "twitter:title"),
    "published": (
        "article:published_time", "og:article:published_time", "datePublished", "pubdate",
        "publish-date", "date", "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date",
    ),
    "modified": ("article:modified_time", "og:updated_time", "dateModified", "last-modified"),
    "authors": ("article:author", "author", "dc.creator", "parsely-author"),
    "tags": ("article:tag", "news_keywords"),
    # The generic keywords meta is often the site's own word list or the title split into
    # words: it only counts when nothing on the page names the tags.
    "keywords": ("keywords",),
    "site_name": ("og:site_name", "application-name", "twitter:site"),
    "summary": ("og:description", "description", "twitter:description"),
    "section": ("article:section", "parsely-section"),
    "image": ("og:image", "twitter:image"),
}
_SUFFIX = re.compile(r"\s+[-|–—:»]\s+[^-|–—:»]{2,40}$")


def _meta_values(tree: etree._Element) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for m in tree.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        content = one_line(m.get("content")) if key != "description" else clean(m.get("content"))
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
            if field in ("tags", "keywords"):
                out[field] = [t.strip() for v in found for t in re.split(r"[,،]", v) if t.strip()]
            elif field == "authors":
                out[field] = found
            else:
                out[field] = found[0]
            break
    out["site_names"] = [v.lstrip("@") for k in _META["site_name"] for v in metas.get(k, [])]
    return out


def strip_site_name(title: str, site_name: str | None = None) -> str:
    """'Headline - Site Name' or 'Site Name - Headline' → 'Headline'.

    With the site's name known, it is cut wherever it sits at either end; without it, only a
    short trailing segment after a separator is (the usual ``<title>`` suffix)."""
    title = one_line(title)
    if site_name:
        name = re.escape(one_line(site_name))
        stripped = re.sub(rf"^\s*{name}\s*[-|–—:»]+\s*|\s*[-|–—:»]+\s*{name}\s*$", "", title)
        if stripped != title and len(stripped) >= 10:
            return stripped
    stripped = _SUFFIX.sub("", title)
    return stripped if len(stripped) >= 10 else title


def canonical(tree: etree._Element, base: str) -> str | None:
    """The page's own idea of its URL: <link rel=canonical>, else og:url."""
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return join_url(base, link.get("href")) or None
    for m in tree.iter("meta"):
        if (m.get("property") or "").lower() == "og:url" and m.get("content"):
            return join_url(base, m.get("content")) or None
    return None
