"""News-agency attributions and datelines: the story's ``source``, not its text.

Arabic wire copy opens with a dateline ("عمان - بترا -", "واشنطن (رويترز) -", or the site's
own "المدينة نيوز :-") and often closes with the agency in brackets ("--(بترا)", "(أ ف ب)").
Both are cut from the body; the agency named becomes the article's source (as printed)
unless the page labels one itself. An agency counts only where wire style sets it apart —
brackets or dashes —, never a sentence that ends "…بحسب ما نقلت رويترز".
"""

from __future__ import annotations

import re

from crawler.arabic import normalise

# Agencies as Arabic newsrooms credit them: name → spellings (letters of an abbreviation
# may be written spaced, dotted or joined: "أ ف ب", "أ.ف.ب", "أف ب"; any alef).
AGENCIES: dict[str, tuple[str, ...]] = {
    "بترا": ("بترا",),                      # Jordan
    "واس": ("واس",),                        # Saudi Arabia
    "وام": ("وام",),                        # United Arab Emirates
    "قنا": ("قنا",),                        # Qatar
    "كونا": ("كونا",),                      # Kuwait
    "بنا": ("بنا",),                        # Bahrain
    "العمانية": ("العمانية",),              # Oman
    "سانا": ("سانا",),                      # Syria
    "واع": ("واع",),                        # Iraq
    "وفا": ("وفا",),                        # Palestine
    "أ ش أ": ("أ ش أ",),                    # Egypt (MENA)
    "واج": ("واج",),                        # Algeria
    "وات": ("وات",),                        # Tunisia
    "و م ع": ("و م ع",),                    # Morocco (MAP)
    "سبأ": ("سبأ",),                        # Yemen
    "أ ف ب": ("أ ف ب", "فرانس برس", "فرانس بريس", "AFP"),
    "رويترز": ("رويترز", "Reuters"),
    "أ ب": ("أسوشيتد برس", "أ ب", "AP"),
    "د ب أ": ("د ب أ", "dpa"),
    "الأناضول": ("الأناضول",),
    "شينخوا": ("شينخوا", "Xinhua"),
    "وكالات": ("وكالات",),
}


def _spelling(text: str) -> str:
    """A regex for one spelling: any alef, and spaces that may be dots, spaces or nothing."""
    letters = [("[أاإآ]" if c in "أاإآ" else re.escape(c)) for c in text]
    return "".join(r"[\s.]*" if c == r"\ " or c == " " else c for c in letters) + r"\.?"


_AGENCY = "(?:(?:وكالة|وكاله)\\s+(?:الأنباء\\s+)?)?(?:" + "|".join(
    sorted((_spelling(s) for names in AGENCIES.values() for s in names), key=len, reverse=True)
) + ")"
_DASH = r"[-–—]"
_BRACKETED = rf"[(\[]\s*(?P<{{}}>{_AGENCY})\s*[)\]]"
# At the end: "--(بترا)", "- بترا", or "(أ ف ب)" after the last sentence's full stop.
_CLOSING = re.compile(
    rf"(?:{_DASH}+\s*{_BRACKETED.format('a')}|(?:^|(?<=[.!?؟»\"”…]))\s*{_BRACKETED.format('b')}"
    rf"|\s*{_DASH}+\s*(?P<c>{_AGENCY}))[\s.\-–—]*$",
    re.I,
)
# "عمان - بترا -", "عمان 24 نيسان (بترا) -", "(أ ف ب) -": a few words of place and date, the
# agency set apart, then a dash or colon (so "ذكرت وكالة الأنباء (كونا) أن" is left alone).
_DATELINE = re.compile(
    rf"^(?P<place>[^\-–—:()\[\]\n.،]{{0,50}}?)\s*"
    rf"(?:{_DASH}+\s*(?P<a>{_AGENCY})|{_BRACKETED.format('b')})\s*(?:{_DASH}+\s*:?|:\s*{_DASH}*)\s*",
    re.I,
)
# The site's own name as a dateline: "المدينة نيوز :-".
_NAMED = re.compile(rf"^(?P<name>[^\-–—:\n]{{2,40}}?)\s*(?::\s*{_DASH}*|{_DASH}+\s*:?)\s*")


def _agency(m: re.Match[str]) -> str:
    """The agency as printed, from whichever of the match's agency groups took it."""
    return next(m[k] for k in ("a", "b", "c") if m.re.groupindex.get(k) and m[k]).strip(" .")


def take(body: str, site_keys: set[str]) -> tuple[str, str | None]:
    """(body without its dateline and closing credit, the agency credited or None)."""
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    agency = None
    if paragraphs:
        first = paragraphs[0]
        if (m := _DATELINE.match(first)) and len(m.group("place").split()) <= 5 and m.end() < len(first):
            agency = _agency(m)
            paragraphs[0] = first[m.end():]
        elif (m := _NAMED.match(first)) and normalise(m.group("name")) in site_keys and m.end() < len(first):
            paragraphs[0] = first[m.end():]
    if paragraphs and (m := _CLOSING.search(paragraphs[-1])):
        agency = agency or _agency(m)
        paragraphs[-1] = paragraphs[-1][:m.start()].rstrip()
        if not paragraphs[-1].strip(" .-–—"):
            paragraphs.pop()
    return "\n\n".join(paragraphs), agency
