"""Read-also blocks: "اقرأ أيضاً" and its many spellings, inline or as a related box.

Found by label, then the links of the labelled element (inline form: "إقرأ أيضًا: <a>…</a>")
or of what follows the label (block form: a heading, then a list or cards). Related boxes
without a label are found by their class ("related", "read-also"). The nodes are removed
from the tree so the body extractor never sees them as article text.

Only links a reader would take for another article of the same site count: not tag, topic
or section pages, not "المزيد" buttons, not other sites. "Most read" and "latest" lists
carry none of these labels, so they are never taken.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from crawler.arabic import normalise
from crawler.config import is_xpath
from crawler.extract.heuristics import is_date_text
from crawler.extract.textutil import Scan, lead_text, node_text, one_line, scan
from crawler.urls import join_url, same_site_host

LABELS = tuple(
    sorted(
        {
            normalise(label)
            for label in (
                "اقرأ أيضا", "إقرأ أيضاً", "اقرأ أيضًا", "اقرأ ايضا", "إقرأ أيضا", "أقرأ أيضا",
                "اقرأ كذلك", "إقرأ كذلك", "اقرأ أيضا في",
                "أخبار ذات صلة", "أخبار متعلقة", "الأخبار المرتبطة", "أخبار مرتبطة", "أخبار مشابهة",
                "مواضيع ذات صلة", "مواضيع ذات علاقة", "مواضيع متعلقة", "مواضيع مشابهة",
                "مواد ذات علاقة", "مواد ذات صلة", "الموضوعات المتعلقة", "موضوعات متعلقة",
                "موضوعات ذات صلة", "مقالات ذات صلة", "مقالات متعلقة", "مقالات مشابهة",
                "انظر أيضا", "أنظر أيضا", "شاهد أيضا", "شاهد أيضاً", "شاهد ايضا", "طالع أيضا",
                "طالع أيضاً", "قصص مقترحة", "قد يهمك أيضا", "قد يهمك", "يمكنك أيضا قراءة",
                "ذات صلة", "المزيد حول هذه القصة", "read also", "related",
                "related articles", "related stories", "see also", "more on this story",
            )
        },
        key=len, reverse=True,
    )
)
_LABEL_START = re.compile(r"^(" + "|".join(re.escape(label) for label in LABELS) + r")(?![\w])")
_BLOCK_TAGS = {"p", "div", "section", "aside", "h2", "h3", "h4", "h5", "h6", "strong", "b",
               "span", "li", "header", "ul", "blockquote", "em", "font", "a"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_MAX_SIBLINGS = 4
_RELATED_CLASS = re.compile(r"(?<![a-z])(related|read-?also|read_also|readalso|see-?also)(?![a-z])", re.I)
# Sidebars, menus and the ad networks' "recommended for you" widgets (Taboola, Outbrain).
_NOT_RELATED = re.compile(
    r"most|popular|latest|trending|menu|nav|footer|comment|trc_|taboola|outbrain|ob-|recommend|sponsor",
    re.I,
)
# Paths of listing pages, not articles.
_LISTING_PATH = re.compile(
    r"/(tags?|topics?|category|categories|author|authors|writers?|keywords?|search|hashtag)(/|$)", re.I
)
_MORE = re.compile(r"^(المزيد|المزيد من|more|all)\b", re.I)


def label_of(text: str) -> str | None:
    """The read-also label a text starts with, in normalised form."""
    m = _LABEL_START.match(normalise(text).lstrip(" :-–—.«\"'"))
    return m.group(1) if m else None


def _same_site(url: str, base: str) -> bool:
    a, b = same_site_host(url), same_site_host(base)
    if not a or a == b:
        return True
    site = ".".join(b.split(".")[-2:])
    return a.endswith("." + site) or a == site


def _links(nodes: list[etree._Element], base: str, any_site: bool = False) -> list[dict[str, str]]:
    """Article links among ``nodes``. Links to other sites count only under an explicit
    read-also label or a site selector (aggregators point at their sources there); a box
    recognised by its class alone is too often an ad or partner widget for that."""
    out: list[dict[str, str]] = []
    for node in nodes:
        anchors = [node] if node.tag == "a" else node.iter("a")
        for a in anchors:
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "whatsapp:")):
                continue
            url = join_url(base, href)
            if not url:
                continue
            title = node_text(a) or one_line(a.get("title"))
            if (len(title.split()) < 3 or _MORE.match(title) or not (any_site or _same_site(url, base))
                    or _LISTING_PATH.search(urlsplit(url).path) or label_of(title)):
                continue
            if any(link["url"] == url for link in out):
                continue
            out.append({"url": url, "title": title, "snippet": _snippet(a, url, title)})
    return out


def _snippet(a: etree._Element, url: str, title: str) -> str:
    """Teaser text printed beside the link inside the same card (a list item or a box that
    links nowhere else); dates and category names are not teasers."""
    holder = a.getparent()
    for _ in range(4):
        if holder is None:
            return ""
        if holder.tag in ("li", "article", "div", "p"):
            break
        holder = holder.getparent()
    else:
        return ""
    if holder is None or any(join_url(url, x.get("href") or "") != url for x in holder.iter("a")):
        return ""
    text = node_text(holder)
    text = text.replace(title, "", 1).strip(" :-–—|") if title in text else ""
    if len(text.split()) < 6 or (len(text) < 60 and is_date_text(text)):
        return ""
    return text


def _following(label: etree._Element, base: str) -> tuple[list[dict[str, str]], list[etree._Element]]:
    """Links after a label standing on its own, and the nodes to drop. The label may sit in
    wrappers of its own (<div><h2><a>مقالات ذات صلة</a></h2></div>), so while nothing
    after it links anywhere, it is widened to its parent as long as that adds little text."""
    text_len = len(node_text(label))
    anchor = label
    for _ in range(6):
        siblings: list[etree._Element] = []
        sib = anchor.getnext()
        while sib is not None and len(siblings) < _MAX_SIBLINGS:
            if isinstance(sib.tag, str):
                if sib.tag in _HEADINGS or label_of(lead_text(sib, 40)):
                    break
                siblings.append(sib)
            sib = sib.getnext()
        links = _links(siblings, base, any_site=True)
        if links:
            return links, [anchor, *siblings]
        parent = anchor.getparent()
        if parent is None or parent.tag == "body" or len(node_text(parent)) > text_len + 60:
            break
        anchor = parent
    return [], []


def extract(tree: etree._Element, base: str, selectors: tuple[str, ...] = (), page: Scan | None = None
            ) -> list[dict[str, str]]:
    """Links in page order; the matching nodes are dropped from ``tree``."""
    found: list[dict[str, str]] = []
    to_drop: list[etree._Element] = []
    if selectors:
        sel = Selector(root=tree, type="html")
        for expr in selectors:
            for s in sel.xpath(expr) if is_xpath(expr) else sel.css(expr):
                found += _links([s.root], base, any_site=True)
                to_drop.append(s.root)
    else:
        dropped: set[etree._Element] = set()
        for node in _candidates(page or scan(tree)):
            if node in dropped or any(p in dropped for p in node.iterancestors()):
                continue
            links, drop = _block(node, base)
            if links:
                found += links
                to_drop += drop
                dropped.update(drop)
    for node in to_drop:
        if node.getparent() is not None:
            node.drop_tree()
    urls: set[str] = set()
    unique = []
    for link in found:
        if link["url"] not in urls:
            urls.add(link["url"])
            unique.append(link)
    return unique


# A word every label has; only the few text nodes holding one are looked at closely.
_KEY = re.compile(r"يض|ذات صل|ذات علاق|متعلق|مرتبط|مشابه|مقترح|كذلك|يهمك|المزيد حول|related|also", re.I)


def _candidates(page: Scan) -> list[etree._Element]:
    """Nodes that may start a read-also block, outermost first, in page order: boxes whose
    class names them related, and the label's own element with the wrappers around it."""
    nodes: dict[etree._Element, None] = {
        box: None for box in page.boxes
        if _RELATED_CLASS.search(f"{box.get('class') or ''} {box.get('id') or ''}")
    }
    for text, owner in page.texts:
        if len(text) < 120 and _KEY.search(text):
            for _ in range(4):
                if owner is None or not isinstance(owner.tag, str) or owner.tag in ("body", "html"):
                    break
                if owner.tag in _BLOCK_TAGS:
                    nodes[owner] = None
                owner = owner.getparent()
    return sorted(nodes, key=lambda n: page.order.get(n, 0))


def _block(node: etree._Element, base: str) -> tuple[list[dict[str, str]], list[etree._Element]]:
    """The read-also links that ``node`` starts, and the nodes to cut out with them."""
    head = lead_text(node, 40)
    if head and label_of(head):
        text = node_text(node)
        if len(text) > 400:
            return [], []
        own = _links([node], base, any_site=True)
        if own and len(text) < 300:
            return own, [node]
        if len(text) > 40:
            return [], []
        return _following(node, base)
    marks = f"{node.get('class') or ''} {node.get('id') or ''}"
    if node.tag in ("div", "section", "aside", "ul") and _RELATED_CLASS.search(marks) \
            and not _NOT_RELATED.search(marks):
        links = _links([node], base)
        if links and len(node_text(node)) < 3000:
            return links, [node]
    return [], []
