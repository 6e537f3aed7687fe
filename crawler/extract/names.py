"""Several authors in one byline: "كايلا إبستين وأنجليكا كاساس" is two people.

Arabic writes "and" as و joined to the next word, and many names start with و (وليد، وائل،
وفاء…), so a و is only read as "and" between two full names: each side keeps at least two
words (a first name and a family name), and a word that is itself a name starting with و is
not cut unless the و is doubled ("ووليد" = "و" + "وليد"). A و standing alone ("X و Y") is
always "and".
"""

from __future__ import annotations

import re

from crawler.arabic import normalise

# Given names that start with و (normalised spelling): "أحمد وليد" is one person.
WAW_NAMES = frozenset(normalise(n) for n in (
    "وليد", "وائل", "وفاء", "وسام", "وسيم", "وجدي", "وجدان", "وداد", "وديع", "وهبة", "وهيب",
    "وصفي", "وضاح", "وحيد", "وحيدة", "وفيق", "ولاء", "وعد", "ورد", "وردة", "وئام", "وهاد",
    "وصال", "وافي", "وفيقة", "وسن", "ودود", "وجيه", "وجيهة", "وداعة", "وقار", "ولي", "وليم",
    "ويليام", "وارد", "وفائي", "والي",
))
_STANDALONE = re.compile(r"\s+و\s+")
_JOINED = re.compile(r"\s+و(?=\S)")


def split_names(name: str) -> list[str]:
    """One byline's names, in order; the byline itself when it names one person."""
    parts = [p.strip() for p in _STANDALONE.split(name) if p.strip()]
    return [person for part in parts for person in _split_joined(part)]


def _split_joined(name: str) -> list[str]:
    for m in _JOINED.finditer(name):
        before, after = name[:m.start()], name[m.end():]
        if len(before.split()) < 2 or len(after.split()) < 2:
            continue
        if normalise("و" + after.split()[0]) in WAW_NAMES:
            continue  # "… وليد …": a name, not "and" + "ليد"
        return [before.strip(), *_split_joined(after)]
    return [name]
