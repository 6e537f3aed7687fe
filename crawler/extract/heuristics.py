"""Layer 4: what a reader sees on an Arabic news page, when no metadata says it.

Headline in <h1>; labelled lines such as "تاريخ النشر:", "المصدر:", "كلمات دلالية:";
<time datetime>; bylines starting with كتب/بقلم.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from crawler.arabic import normalise
from crawler.extract.textutil import node_text

_LABELS = {
    "published": ("تاريخ النشر", "نشر في", "نشر بتاريخ", "تاريخ الخبر", "نشر"),
    "modified": ("اخر تحديث", "تاريخ التحديث", "تم التحديث", "حدث في"),
    "source": ("المصدر",),
    "tags": ("كلمات دلاليه", "الكلمات المفتاحيه", "الوسوم", "وسوم", "كلمات مفتاحيه", "مواضيع"),
}
_BYLINE = re.compile(r"^\s*(?:كتب|كتبت|بقلم|إعداد|اعداد|تقرير|كتبه)\s*[:：]?\s*(.{3,60})$")


def _labelled(text: str) -> tuple[str, str] | None:
    """('published', value) for 'تاريخ النشر: …' style lines."""
    head, sep, value = text.partition(":")
    if not sep or not value.strip() or len(head) > 25:
        return None
    key = normalise(head)
    for field, labels in _LABELS.items():
        if key in labels:
            return field, value.strip()
    return None


def extract(tree: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for h1 in tree.iter("h1"):
        text = node_text(h1)
        if 5 <= len(text) <= 300:
            out["title"] = text
            break
    for t in tree.iter("time"):
        if t.get("datetime"):
            out["published"] = t.get("datetime").strip()
            break

    for node in tree.iter("p", "div", "span", "li", "time", "small"):
        text = node_text(node)
        if not text or len(text) > 300:
            continue
        found = _labelled(text)
        if found:
            field, value = found
            if field == "tags":
                links = [node_text(a) for a in node.iter("a") if node_text(a)]
                if field not in out:
                    out["tags"] = links or [v for v in re.split(r"[,،|]", value) if v.strip()]
            elif field not in out:
                out[field] = value
        elif "authors" not in out and (m := _BYLINE.match(text)):
            out["authors"] = [m.group(1).strip()]
    return out
