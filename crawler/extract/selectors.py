"""Layer 1: the site's own CSS/XPath selectors from its config."""

from __future__ import annotations

from typing import Any

from lxml import etree
from parsel import Selector

from crawler.config import is_xpath
from crawler.extract.textutil import clean, node_text, paragraphs
from crawler.model import fields_with

_LIST_FIELDS = frozenset(fields_with("listed"))


def extract(tree: etree._Element, selectors: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    sel = Selector(root=tree, type="html")
    for field, exprs in selectors.items():
        if field in ("read_also", "remove"):
            continue
        for expr in exprs:
            found = sel.xpath(expr) if is_xpath(expr) else sel.css(expr)
            values = [_body_text(s) if field == "body" else _text(s) for s in found]
            values = [v for v in values if v]
            if not values:
                continue
            if field in _LIST_FIELDS:
                out[field] = values
            elif field == "body":
                out[field] = "\n\n".join(values)
            else:
                out[field] = values[0]
            break
    return out


def _text(s: Selector) -> str:
    root = s.root
    if isinstance(root, str):
        return clean(root)
    if root.tag in ("meta",):
        return clean(root.get("content"))
    if root.tag == "time" and root.get("datetime"):
        return root.get("datetime").strip()
    paragraphs = root.xpath(".//p")
    if len(paragraphs) > 1:
        return "\n\n".join(t for t in (node_text(p) for p in paragraphs) if t)
    return node_text(root)


def _body_text(s: Selector) -> str:
    """Body matches keep their paragraphs, whether marked with <p>, blocks or <br>s."""
    if isinstance(s.root, str):
        return clean(s.root)
    return "\n\n".join(paragraphs(s.root))
