"""Layer 4: what a reader sees on an Arabic news page, when no metadata says it.

Headline in <h1>; labelled lines such as "تاريخ النشر:", "المصدر:", "كلمات دلالية:";
machine-readable dates in microdata/RDFa/<time> (hAtom's class="updated" for the
modification); bylines starting with كتب/بقلم; the date line printed just under the
headline ("تم نشره الجمعة 24 نيسان / أبريل 2020 09:22 مساءً"); the section from the
breadcrumb trail.

One pass over the tree; only a few characters of each node are read unless its start
looks like a label, so the cost stays linear in the page size.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from crawler.arabic import ascii_digits, normalise
from crawler.dates import MONTHS
from crawler.extract.textutil import Scan, TextNode, lead_text, node_text, scan

_LABELS = {
    "published": ("تاريخ النشر", "نشر في", "نشر بتاريخ", "تاريخ الخبر", "نشر", "تم النشر",
                  "تاريخ الاضافه", "التاريخ", "published", "date"),
    "modified": ("اخر تحديث", "تاريخ التحديث", "تم التحديث", "حدث في", "تحديث", "updated",
                 "last updated"),
    "source": ("المصدر", "مصدر الخبر", "source"),
    "tags": ("كلمات دلاليه", "الكلمات الدلاليه", "الكلمات المفتاحيه", "كلمات مفتاحيه", "الوسوم",
             "وسوم", "الكلمات", "tags", "keywords"),
}
_LABEL_OF = {normalise(label): field for field, labels in _LABELS.items() for label in labels}
# Longest prefix first: كتبت must not be read as كتب + "ت …".
BYLINE = re.compile(
    r"^\s*(?:(?:كتبت|كتبه|كتب|بقلم|إعداد|اعداد|تحرير|by)(?:\s*[:：]\s*|\s+)"
    r"|(?:تقرير|حوار)\s*[:：]\s*)"  # "تقرير"/"حوار" also start headlines and show names
    r"(?P<name>[^:：\s][^:：]{2,59}?)\s*$",
    re.I,
)
_DATE_PROPS = {
    "published": ("datepublished", "dc:date", "dc:created", "dcterms:created", "article:published_time",
                  "datecreated", "pubdate"),
    "modified": ("datemodified", "dc:modified", "dcterms:modified", "article:modified_time"),
}
_PROP_FIELD = {p: field for field, props in _DATE_PROPS.items() for p in props}
_HAS_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")
# Short English month names ("may", "mar", "jan") are words too: they count only beside a
# number ("31st, May 2023", "May 31"), the longer names and the Arabic ones anywhere.
_SHORT_MONTHS = "|".join(re.escape(m) for m in MONTHS if len(m) <= 3 and m.isascii())
_HAS_MONTH = re.compile(
    r"(?<![\w])(" + "|".join(sorted((re.escape(m) for m in MONTHS if len(m) > 3 or not m.isascii()),
                                    key=len, reverse=True)) + r")(?![\w])"
    rf"|(?<![\w])({_SHORT_MONTHS})\.?,?\s*\d|\d(?:st|nd|rd|th)?[.,]?\s*({_SHORT_MONTHS})(?![\w])"
    r"|(?<!\d)\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*(19|20)\d\d|(19|20)\d\d\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{1,2}"
)
_SKIP = {"script", "style", "noscript", "template", "svg", "iframe", "form", "select", "button"}
_NEAR_HEADLINE = 40  # elements after the headline searched for its date line


def labelled(text: str) -> tuple[str, str] | None:
    """('published', value) for 'تاريخ النشر: …' style lines."""
    head, sep, value = text.partition(":")
    if not sep or len(head) > 25:
        return None
    field = _LABEL_OF.get(normalise(head).strip(" -–—"))
    return (field, value.strip()) if field else None


_RELATIVE = re.compile(r"^\s*(منذ|قبل)\s+\S+(\s+\S+)?\s*$|\d+\s+\w+\s+ago\s*$", re.I)


def is_date_text(text: str) -> bool:
    """A short text that names a day: a year and a month name or a numeric date, or a
    relative date ("منذ ساعتين")."""
    key = normalise(ascii_digits(text))
    return bool(_HAS_YEAR.search(key) and _HAS_MONTH.search(key)) or bool(_RELATIVE.match(key))


def _attr_date(node: etree._Element) -> str:
    for attr in ("datetime", "content"):
        if node.get(attr):
            return node.get(attr).strip()
    text = node_text(node)
    return text if len(text) <= 80 else ""


def _tag_links(node: etree._Element) -> list[str]:
    return [t for t in (node_text(a) for a in node.iter("a")) if 0 < len(t) <= 60]


_H1 = etree.XPath("//h1")
_DATE_NODES = etree.XPath("//*[@itemprop or @property][not(self::meta)] | //time[@datetime]")
_REL_TAGS = etree.XPath("//a[contains(concat(' ', normalize-space(@rel), ' '), ' tag ')]")
_BYLINE_START = re.compile(r"^\s*(كتب|بقلم|إعداد|اعداد|تقرير|حوار|تحرير|by\s)", re.I)
_AFTER = etree.XPath(f"following::*[position() <= {_NEAR_HEADLINE}]")
_BREADCRUMB_LINKS = etree.XPath(
    "(//*[contains(@class, 'breadcrumb') or contains(@id, 'breadcrumb')"
    " or contains(@itemtype, 'BreadcrumbList')])[1]//a"
)
_HOME = {normalise(w) for w in ("الرئيسية", "الصفحة الرئيسية", "الرئيسيه", "home", "homepage")}


def _texts(page: Scan) -> tuple[list[TextNode], list[TextNode]]:
    """Short text nodes with a colon (labelled lines) and those starting like a byline."""
    colons = [t for t in page.texts if ":" in t.text or "：" in t.text]
    bylines = [t for t in page.texts if len(t.text) < 70 and _BYLINE_START.match(t.text)]
    return colons, bylines


def _widest(node: etree._Element, limit: int = 300) -> etree._Element:
    """The outermost ancestor that still starts with ``node``'s text ("<div><b>المصدر:</b>
    الوطن</div>" → the div), so that a label and its value are read together."""
    start = lead_text(node, 20)
    for _ in range(3):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html") or lead_text(parent, 20) != start:
            break
        if len(node_text(parent)) > limit:
            break
        node = parent
    return node


def extract(tree: etree._Element, page: Scan | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"headlines": []}
    first: etree._Element | None = None
    for h1 in _H1(tree):
        headline = node_text(h1)
        if 5 <= len(headline) <= 300:
            out["headlines"].append(headline)
            first = first if first is not None else h1
    for node in _DATE_NODES(tree):
        prop = (node.get("itemprop") or node.get("property") or "").lower()
        field = _PROP_FIELD.get(prop) or (_time_field(node) if node.tag == "time" else None)
        if field and f"{field}_machine" not in out and (value := _attr_date(node)):
            out[f"{field}_machine"] = value
        if prop == "author" and "authors" not in out and (name := node_text(node)) and len(name) <= 60:
            out["authors"] = [name]

    seen: set[etree._Element] = set()
    colons, bylines = _texts(page or scan(tree))
    for text in colons:
        node = _widest(text.owner)
        if node in seen:
            continue
        seen.add(node)
        found = labelled(node_text(node).replace("：", ":"))
        if not found:
            continue
        field, value = found
        if field == "tags":
            if "tags" not in out:
                links = _tag_links(node)
                if not links and not value and (nxt := node.getnext()) is not None:
                    links = _tag_links(nxt)
                tags = links or [v.strip() for v in re.split(r"[,،|]", value) if v.strip()]
                if tags:
                    out["tags"] = tags
        elif field == "source":
            if "source" not in out and value and len(value) <= 80:
                out["source"] = _first_field(value)
        elif f"{field}_label" not in out and value and is_date_text(value):
            out[f"{field}_label"] = value

    for text in bylines:  # "<span>كتب فلان</span>", else "<p><b>كتب:</b> <a>فلان</a></p>"
        if any(a.tag in ("footer", "nav") for a in text.owner.iterancestors()):
            continue
        m = BYLINE.match(node_text(text.owner)) or BYLINE.match(node_text(_widest(text.owner, 80)))
        if m is not None and len(m.group("name").split()) >= 2:
            out["authors"] = out.get("authors") or [m.group("name").strip()]
            break

    crumbs = [t for a in _BREADCRUMB_LINKS(tree) if (t := node_text(a)) and normalise(t) not in _HOME]
    if crumbs and len(crumbs[-1]) <= 40:
        out["section"] = crumbs[-1] if normalise(crumbs[-1]) not in map(normalise, out["headlines"]) \
            else (crumbs[-2] if len(crumbs) > 1 else "")
    if "tags" not in out and (rel_tags := [t for a in _REL_TAGS(tree) if (t := node_text(a))]):
        out["tags"] = rel_tags

    if first is not None:
        best: etree._Element | None = None
        for node in _AFTER(first):
            if best is not None and best not in node.iterancestors():
                break  # the innermost date-like node wins: "<div>كتب … <span>٢٤ أبريل</span></div>"
            if node.tag in _SKIP or node.tag in ("a", "h1", "h2") or len(node) > 3:
                continue
            near = node_text(node)
            if len(near) <= 120 and is_date_text(near) and not _RELATIVE.match(normalise(near)):
                best = node
                out["published_near"] = near

    for field in ("published", "modified"):
        for kind in ("machine", "label", "near"):
            if f"{field}_{kind}" in out and field not in out:
                out[field] = out[f"{field}_{kind}"]
    if out["headlines"]:
        out["title"] = out["headlines"][0]
    return out


def _time_field(node: etree._Element) -> str:
    """Which date a <time datetime> gives: WordPress and other hAtom themes print the
    modification time as <time class="updated"> beside <time class="entry-date published">
    (both classes on one element: never modified); any other <time> is the publication."""
    classes = set((node.get("class") or "").lower().split())
    return "modified" if "updated" in classes and "published" not in classes else "published"


def _first_field(value: str) -> str:
    """A labelled value up to where the next label starts ("البيان التاريخ: 03 يونيو")."""
    for label in ("التاريخ", "تاريخ", "الكاتب", "كلمات"):
        cut = value.find(label)
        if cut > 0:
            value = value[:cut]
    return value.strip(" -–—|")
