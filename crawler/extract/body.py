"""Layer 5: the article body through trafilatura, once read-also blocks are cut out.

trafilatura is given the tree already parsed (it copies it, so the shared tree is safe) and
runs in ``fast`` mode (no readability/justext second opinion): on the Zyte benchmark that
scored the same F1 at a little over half the cost; the full cascade runs only when fast mode
returns a menu. Data tables are kept (layout tables are unwrapped first).
What it leaves that a reader would not count as the article is then cut line by line:
the headline repeated at the top, bylines, "المصدر:" / "كلمات دلالية:" lines, read-also
lines, comment-section disclaimers.
"""

from __future__ import annotations

import re

import trafilatura
from lxml import etree
from parsel import Selector

from crawler.arabic import normalise
from crawler.config import is_xpath
from crawler.extract.heuristics import BYLINE, is_date_text, labelled
from crawler.extract.readalso import label_of
from crawler.extract.textutil import clean, node_text

_BYLINE_PREFIXES = ("author,", "role,", "author:", "role:")
# Comment-section disclaimers printed under articles ("الآراء الواردة أدناه لا تعبر عن رأي…").
_DISCLAIMER = re.compile(r"لا تعبر عن راي|الاراء الوارده|التعليقات المنشوره|سياسه الخصوصيه|شروط الاستخدام")
_POLICY_LINK = re.compile(r"privacy|terms|guidelines|cookie|الخصوصية|policy", re.I)


def remove(tree: etree._Element, exprs: tuple[str, ...]) -> None:
    """Drop the nodes a site config lists under ``remove`` before the body is taken."""
    sel = Selector(root=tree, type="html")
    for expr in exprs:
        for node in sel.xpath(expr) if is_xpath(expr) else sel.css(expr):
            node.drop()


_BANNER = re.compile(r"cookie|consent", re.I)


# trafilatura drops non-printable characters, among them the zero-width non-joiner that
# Persian and Urdu spell with ("می‌کند"); they ride through it as rare printable stand-ins.
_JOINERS = {"\u200c": "\u2e3b", "\u200d": "\u2e3a"}


def _swap_joiners(tree: etree._Element, mapping: dict[str, str]) -> None:
    for el in tree.iter():
        for attr in ("text", "tail"):
            value = getattr(el, attr)
            if value and any(k in value for k in mapping):
                for old, new in mapping.items():
                    value = value.replace(old, new)
                setattr(el, attr, value)


def extract(tree: etree._Element, url: str, joiners: bool = False, boxes: list[etree._Element] | None = None
            ) -> str:
    """Paragraphs joined by blank lines; empty string when nothing article-like is found.

    Cookie and consent banners are cut first: on some pages (BBC) they are the first block
    of real sentences and trafilatura takes them for the article's opening. So are image
    captions and "read our comment policy" notes."""
    for box in tree.iter("div", "section", "aside") if boxes is None else boxes:
        if _BANNER.search(f"{box.get('class') or ''} {box.get('id') or ''}") and box.getparent() is not None \
                and len(node_text(box)) < 2000:  # not a page wrapper such as "has-cookie-consent"
            box.drop_tree()
    for a in list(tree.iter("a")):  # "read our privacy policy before commenting" notes
        if _POLICY_LINK.search(a.get("href") or ""):
            p = next(a.iterancestors("p"), None)
            if p is not None and p.getparent() is not None:
                p.drop_tree()
    _drop_image_boxes(tree)
    _unwrap_layout_tables(tree)
    if joiners:
        _swap_joiners(tree, _JOINERS)
    text = _trafilatura(tree, url, fast=True)
    if _menu_like(text):  # fast mode took a menu; the full cascade usually finds the article
        text = _trafilatura(tree, url, fast=False) or text
    text = "\n\n".join(line for line in text.splitlines() if line.strip())
    if joiners:
        for old, new in _JOINERS.items():
            text = text.replace(new, old)
    return clean(text)


_IMAGE_BOX = re.compile(r"image|photo|figure|caption|gallery|thumb", re.I)


def _drop_image_boxes(tree: etree._Element) -> None:
    """An image's wrapper with its caption ("<div class='article_image'><img><div>اصابات
    بفيروس كورونا</div></div>"): captions are not article text."""
    for img in list(tree.iter("img")):
        box = img.getparent()
        for _ in range(3):
            if box is None or box.tag in ("body", "html", "article", "main"):
                break
            if _IMAGE_BOX.search(f"{box.get('class') or ''} {box.get('id') or ''}"):
                if box.getparent() is not None and len(node_text(box)) < 300:
                    box.drop_tree()
                break
            box = box.getparent()


_TABLE_PARTS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th")


def _unwrap_layout_tables(tree: etree._Element) -> None:
    """Tables used for page layout (cells holding paragraphs or headings, as on older Arabic
    sites) become plain blocks: data tables stay tables, and trafilatura keeps them."""
    for table in reversed(list(tree.iter("table"))):
        if table.find(".//td//p") is None and table.find(".//td//h1") is None \
                and table.find(".//td//div") is None:
            continue
        for el in table.iter(*_TABLE_PARTS):
            el.tag = "div"


def _trafilatura(tree: etree._Element, url: str, fast: bool) -> str:
    return trafilatura.extract(
        tree, url=url, include_comments=False, include_tables=True, include_images=False,
        include_links=False, deduplicate=False, with_metadata=False, fast=fast,
    ) or ""


def _menu_like(text: str) -> bool:
    """Mostly one- to three-word lines: navigation, not prose."""
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) >= 10 and sum(len(line.split()) <= 3 for line in lines) > len(lines) / 2


def tidy(body: str, headlines: list[str]) -> tuple[str, list[str]]:
    """The body without furniture lines, and the author names found in bylines on the way.

    When the headline itself shows up near the top, whatever comes before it (a cookie
    notice, a breadcrumb, a section name) is not article text either."""
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    keys = {normalise(h) for h in headlines if h}
    for i, para in enumerate(paragraphs[:6]):
        if normalise(para) in keys:
            paragraphs = paragraphs[i + 1:]
            break
    kept: list[str] = []
    authors: list[str] = []
    for i, para in enumerate(paragraphs):
        key = normalise(para)
        if i >= len(paragraphs) - 3 and len(para) < 400 and _DISCLAIMER.search(key):
            continue
        if i < 4 and len(para) < 80:
            if is_date_text(para) and len(para.split()) <= 12:
                continue  # the date line under the headline
            if key.lstrip("-• ").startswith(_BYLINE_PREFIXES):
                if key.lstrip("-• ").startswith("author"):
                    authors.append(para.split(",", 1)[-1].split(":", 1)[-1].strip(" -"))
                continue
            if (m := BYLINE.match(para.lstrip("-• "))) is not None:
                authors.append(m.group("name").strip())
                continue
        if len(para) < 300 and (labelled(para) or (label_of(para[:40]) and len(para) < 200)):
            continue
        kept.append(para)
    return "\n\n".join(kept), authors
