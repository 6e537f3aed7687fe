"""Layer 2: schema.org JSON-LD (NewsArticle and friends, also inside @graph)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from crawler.extract.textutil import clean

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


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [clean(value)] if value.strip() else []
    if isinstance(value, dict):
        return _names(value.get("name", ""))
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def _first_url(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("url") or value.get("@id") or "")
    if isinstance(value, list) and value:
        return _first_url(value[0])
    return ""


def articles(tree: etree._Element) -> list[dict[str, Any]]:
    """Article-typed JSON-LD objects in page order, most specific types first."""
    found = []
    for script in tree.xpath('//script[contains(@type, "ld+json")]'):
        try:
            data = json.loads(_CDATA.sub("", script.text or ""), strict=False)
        except ValueError:
            continue
        for node in _nodes(data):
            types = _types(node)
            if types & ARTICLE_TYPES:
                found.append(node)
    found.sort(key=lambda n: "WebPage" in _types(n))
    return found


def extract(tree: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for node in articles(tree):
        keywords = node.get("keywords")
        if isinstance(keywords, str):
            keywords = [k for k in (x.strip() for x in keywords.replace("،", ",").split(",")) if k]
        values = {
            "title": clean(str(node.get("headline") or "")),
            "published": str(node.get("datePublished") or ""),
            "modified": str(node.get("dateModified") or ""),
            "authors": _names(node.get("author")),
            "tags": keywords if isinstance(keywords, list) else [],
            "summary": clean(str(node.get("description") or "")),
            "section": clean(
                node["articleSection"][0]
                if isinstance(node.get("articleSection"), list) and node["articleSection"]
                else str(node.get("articleSection") or "")
            ),
            "image": _first_url(node.get("image")),
            "body": clean(str(node.get("articleBody") or "")),
        }
        for key, value in values.items():
            if value and key not in out:
                out[key] = value
    return out
