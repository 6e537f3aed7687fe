"""Read-also blocks: "اقرأ أيضاً" and its many spellings, inline or as a related box.

Found by label, then the links of the labelled element (inline form) or of the siblings
that follow the label (block form). The nodes are removed from the tree so the body
extractor never sees them as article text.
"""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from crawler.arabic import normalise
from crawler.config import is_xpath
from crawler.extract.textutil import node_text

LABELS = tuple(
    normalise(label)
    for label in (
        "اقرأ أيضا", "إقرأ أيضاً", "اقرأ أيضًا", "اقرأ كذلك", "اقرأ ايضا", "إقرأ أيضا",
        "اقرأ المزيد", "أخبار ذات صلة", "أخبار متعلقة", "مواضيع ذات صلة", "مواضيع ذات علاقة",
        "مواد ذات علاقة", "الموضوعات المتعلقة", "موضوعات متعلقة", "مقالات ذات صلة",
        "مقالات متعلقة", "انظر أيضا", "شاهد أيضا", "شاهد أيضاً", "قصص مقترحة", "قد يهمك أيضا",
        "يمكنك أيضا قراءة", "ذات صلة", "المزيد حول هذه القصة",
    )
)
_BLOCK_TAGS = {"p", "div", "section", "aside", "h2", "h3", "h4", "h5", "h6", "strong", "b",
               "span", "li", "header", "ul"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_MAX_SIBLINGS = 4


def _label_of(text: str) -> str | None:
    key = normalise(text).strip(" :：-–—.")
    for label in LABELS:
        if key.startswith(label):
            return label
    return None


def _links(nodes: list[etree._Element], base: str) -> list[dict[str, str]]:
    out = []
    for node in nodes:
        anchors = [node] if node.tag == "a" else node.iter("a")
        for a in anchors:
            href = (a.get("href") or "").strip()
            title = node_text(a) or (a.get("title") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:")) or len(title) < 8:
                continue
            out.append({"url": urljoin(base, href), "title": title, "snippet": _snippet(a, title)})
    return out


def _snippet(a: etree._Element, title: str) -> str:
    """Teaser text printed beside the link inside the same list item or card."""
    holder = a.getparent()
    while holder is not None and holder.tag not in ("li", "article", "div", "p"):
        holder = holder.getparent()
    if holder is None:
        return ""
    text = node_text(holder).replace(title, "", 1).strip(" :-–—")
    return text if len(text) > 20 else ""


def extract(tree: etree._Element, base: str, selectors: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Links in page order; the matching nodes are dropped from ``tree``."""
    found: list[dict[str, str]] = []
    to_drop: list[etree._Element] = []
    if selectors:
        sel = Selector(root=tree, type="html")
        for expr in selectors:
            for s in sel.xpath(expr) if is_xpath(expr) else sel.css(expr):
                found += _links([s.root], base)
                to_drop.append(s.root)
    else:
        body = tree.find("body")
        for node in (body if body is not None else tree).iter(*_BLOCK_TAGS):
            if any(node is d or _is_ancestor(d, node) for d in to_drop):
                continue
            text = node_text(node)
            if not text or len(text) > 400 or not _label_of(text[:40]):
                continue
            own = _links([node], base)
            if own and len(node_text(node)) < 300:
                found += own
                to_drop.append(node)
                continue
            if len(text) > 40:
                continue
            siblings = []
            sib = node.getnext()
            while sib is not None and len(siblings) < _MAX_SIBLINGS and sib.tag not in _HEADINGS:
                if _label_of(node_text(sib)[:40]):
                    break
                siblings.append(sib)
                sib = sib.getnext()
            links = _links(siblings, base)
            if links:
                found += links
                to_drop += [node, *siblings]
    for node in to_drop:
        parent = node.getparent()
        if parent is not None:
            node.drop_tree()
    return found


def _is_ancestor(ancestor: etree._Element, node: etree._Element) -> bool:
    parent = node.getparent()
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.getparent()
    return False
