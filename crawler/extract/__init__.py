"""Field extraction from an article page, in layers from most to least trusted.

site selectors → JSON-LD → meta tags → page heuristics → trafilatura (body). The first
layer that yields a value wins, and ``extraction`` records which one did, so a broken site
shows up as fields suddenly coming from a weaker layer.
"""

from __future__ import annotations

from typing import Any

from lxml import html as lxml_html

from crawler.config import SiteConfig
from crawler.extract import body, heuristics, jsonld, layouts, meta, readalso, selectors

FIELDS = (
    "title", "published", "modified", "authors", "source", "tags", "summary", "section",
    "image", "body",
)


def parse_html(html: str) -> lxml_html.HtmlElement:
    """A tolerant parse: malformed and truncated pages still give a tree."""
    if not html or not html.strip():
        html = "<html><body></body></html>"
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True)
    tree = lxml_html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    return tree


def extract_article(html: str, url: str, site: SiteConfig | None = None) -> dict[str, Any]:
    """All fields of one page as published (raw date strings; later stages parse them)."""
    tree = parse_html(html)
    from_jsonld, from_meta = jsonld.extract(tree), meta.extract(tree)
    layout = layouts.choose(tree, site, (from_jsonld.get("published"), from_meta.get("published")))
    site_selectors = layout.selectors if layout else (site.selectors if site else {})
    layers = [
        ("selectors", selectors.extract(tree, site_selectors)),
        ("jsonld", from_jsonld),
        ("meta", from_meta),
        ("heuristics", heuristics.extract(tree)),
    ]
    article: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for layer, values in layers:
        for field in FIELDS:
            if field not in article and values.get(field):
                article[field] = values[field]
                sources[field] = layer

    links = readalso.extract(tree, url, site_selectors.get("read_also", ()))
    if "body" not in article:
        text = body.extract(tree, url, site_selectors.get("remove", ()))
        if text:
            article["body"] = text
            sources["body"] = "trafilatura"
    article["read_also"] = links
    article["canonical"] = meta.canonical(tree, url)
    article["extraction"] = sources
    if layout:
        article["layout"] = layout.name
    return article
