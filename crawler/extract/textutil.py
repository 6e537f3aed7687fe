"""Text helpers shared by the extraction layers."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from lxml import etree

_WS = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_ANY_WS = re.compile(r"[\s\u00a0\u200b]+")
_BLANKS = re.compile(r"\n\s*\n+")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.I)


def clean(text: str | None) -> str:
    """Collapse runs of spaces inside lines and trim; keep paragraph breaks. Entities left
    escaped by a double-escaping CMS ("&quot;", "&nbsp;") are decoded."""
    if not text:
        return ""
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    lines = [_WS.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def one_line(text: str | None) -> str:
    """``clean`` for single-line fields (titles, names): no line breaks at all."""
    return _ANY_WS.sub(" ", clean(text)).strip()


def node_text(node: etree._Element) -> str:
    """Visible text of a node on one line."""
    return _ANY_WS.sub(" ", " ".join(node.itertext())).strip()


class TextNode(NamedTuple):
    """A piece of text and the element it belongs to (for a tail, the tagged element's parent)."""

    text: str
    owner: etree._Element


_UNSEEN = frozenset({"script", "style", "noscript", "template", "svg"})
_BOXES = frozenset({"div", "section", "aside", "ul"})


@dataclass
class Scan:
    """One pass over a page's body, shared by the layers that look for labels and boxes:
    each node's own short text and tail (no subtree walks), boxes with a class or id, and
    every element's position for page order."""

    texts: list[TextNode] = field(default_factory=list)
    boxes: list[etree._Element] = field(default_factory=list)
    order: dict[etree._Element, int] = field(default_factory=dict)


def scan(tree: etree._Element, limit: int = 300) -> Scan:
    out = Scan()
    body = tree.find("body")
    for i, el in enumerate((body if body is not None else tree).iter()):
        out.order[el] = i
        tag = el.tag
        if not isinstance(tag, str) or tag in _UNSEEN:
            continue
        if tag in _BOXES and (el.get("class") or el.get("id")):
            out.boxes.append(el)
        if (text := el.text) and len(text) <= limit and not text.isspace():
            out.texts.append(TextNode(text, el))
        if (tail := el.tail) and len(tail) <= limit and not tail.isspace() and (parent := el.getparent()) is not None:
            out.texts.append(TextNode(tail, parent))
    return out


def lead_text(node: etree._Element, limit: int = 40) -> str:
    """The first words of a node's text, read down its first children only (no subtree walk):
    labels ("اقرأ أيضاً:", "المصدر:") are found from this cheaply on every node, whether they
    are the node's own text or wrapped (<h3><span>إقرأ أيضاً</span></h3>)."""
    parts = []
    size = 0
    for _ in range(6):
        text = node.text
        if text and not text.isspace():
            parts.append(text)
            size += len(text)
        if size >= limit or not len(node):
            break
        child = node[0]
        if not isinstance(child.tag, str):
            break
        if size:  # own text, then the first child's text: "<p>اقرأ <b>أيضا</b>"
            parts.append(child.text or "")
            break
        node = child
    return _ANY_WS.sub(" ", " ".join(parts)).strip()[:limit]


_BREAKS = frozenset({
    "br", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "section",
    "article", "table", "tr", "figure", "figcaption", "pre", "hr",
})
_SILENT = frozenset({"script", "style", "noscript", "template"})


def paragraphs(node: etree._Element) -> list[str]:
    """A node's text split where a reader sees a new paragraph: at <br> and block elements.

    Many Arabic portals print the article as one block of text separated by <br>s, so a
    selector that matches that block must not run the paragraphs together.
    """
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = _WS.sub(" ", "".join(buf).replace("\n", " ")).strip()
        if text:
            out.append(text)
        buf.clear()

    def walk(el: etree._Element) -> None:
        if not isinstance(el.tag, str) or el.tag in _SILENT:
            return
        if el.tag in _BREAKS:
            flush()
        if el.text:
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if el.tag in _BREAKS:
            flush()

    walk(node)
    flush()
    return out
