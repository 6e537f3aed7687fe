"""Layer 5: the article body through trafilatura, once read-also blocks are cut out."""

from __future__ import annotations

import copy

import trafilatura
from lxml import etree
from parsel import Selector

from crawler.config import is_xpath
from crawler.extract.textutil import clean


def extract(tree: etree._Element, url: str, remove: tuple[str, ...] = ()) -> str:
    """Paragraphs joined by blank lines; empty string when nothing article-like is found."""
    work = copy.deepcopy(tree)
    if remove:
        sel = Selector(root=work, type="html")
        for expr in remove:
            for node in sel.xpath(expr) if is_xpath(expr) else sel.css(expr):
                node.drop()
    text = trafilatura.extract(
        work, url=url, include_comments=False, include_tables=False, include_images=False,
        include_links=False, favor_precision=True, deduplicate=False, with_metadata=False,
    )
    if not text:
        return ""
    return clean("\n\n".join(line for line in text.splitlines() if line.strip()))
