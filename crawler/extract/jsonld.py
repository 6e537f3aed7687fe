"""Layer 2: schema.org JSON-LD (NewsArticle and friends, also inside @graph)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from crawler.extract.textutil import clean, one_line

# Some publishers (BBC among them) wrap the JSON in a commented-out CDATA section.
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")

ARTICLE_TYPES = {
    "NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
    "OpinionNewsArticle", "BackgroundNewsArticle", "LiveBlogPosting", "WebPage",
}


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _nodes(data["@graph"])


def _types(node: dict[str, Any]) -> set[str]:
    t = node.get("@type", [])
    return {t} if isinstance(t, str) else {x for x in t if isinstance(x, str)}


def _names(value: Any, ids: dict[str, dict[str, Any]]) -> list[str]:
    if isinstance(value, str):
        return [one_line(value)] if value.strip() else []
    if isinstance(value, dict):
        value = ids.get(str(value.get("@id")), value) if "name" not in value else value
        return _names(value.get("name", ""), ids)
    if isinstance(value, list):
        return [n for v in value for n in _names(v, ids)]
    return []


def _first_url(value: Any, ids: dict[str, dict[str, Any]]) -> str:
    """An image URL; ``{"@id": "…#primaryimage"}`` references are looked up in the graph."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        ref = ids.get(str(value.get("@id")))
        if ref is not None and ref is not value:
            return _first_url(ref, ids)
        return str(value.get("url") or value.get("contentUrl") or "")
    if isinstance(value, list) and value:
        return _first_url(value[0], ids)
    return ""


def articles(tree: etree._Element) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Article-typed JSON-LD objects in page order, most specific types first, and every
    node by its ``@id`` (Yoast-style graphs refer to the image and author that way)."""
    found: list[dict[str, Any]] = []
    ids: dict[str, dict[str, Any]] = {}
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or ""):
            continue
        try:
            data = json.loads(_CDATA.sub("", script.text or ""), strict=False)
        except ValueError:
            continue
        for node in _nodes(data):
            if isinstance(node.get("@id"), str):
                ids.setdefault(node["@id"], node)
            if _types(node) & ARTICLE_TYPES:
                found.append(node)
    found.sort(key=lambda n: "WebPage" in _types(n))
    return found, ids


def extract(tree: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    nodes, ids = articles(tree)
    for node in nodes:
        keywords = node.get("keywords")
        if isinstance(keywords, str):
            keywords = [k for k in (x.strip() for x in keywords.replace("،", ",").split(",")) if k]
        values = {
            "title": one_line(str(node.get("headline") or node.get("name") or "")),
            "published": str(node.get("datePublished") or ""),
            "modified": str(node.get("dateModified") or ""),
            "authors": _names(node.get("author"), ids),
            "tags": keywords if isinstance(keywords, list) else [],
            "summary": clean(str(node.get("description") or "")),
            "section": clean(
                node["articleSection"][0]
                if isinstance(node.get("articleSection"), list) and node["articleSection"]
                else str(node.get("articleSection") or "")
            ),
            "image": _first_url(node.get("image"), ids),
            "body": clean(str(node.get("articleBody") or "")),
        }
        for key, value in values.items():
            if value and key not in out:
                out[key] = value
    return out
