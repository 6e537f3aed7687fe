"""Arabic text normalisation for matching, dedup and search.

Stored text is never altered: these functions only derive comparison keys. Two spellings a
reader treats as the same word (with or without tashkeel, أ/إ/آ/ا, ى/ي, Persian ک/ی,
Arabic-Indic digits) must give the same key.
"""

from __future__ import annotations

import re
import unicodedata

# Harakat, tanween, shadda, sukun, dagger alef, Quranic marks.
_TASHKEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
# Letter forms unified, invisible marks dropped, digits to ASCII. Applied as one str.replace
# per character present: str.translate with a dict costs a lookup per character of the text
# (~0.4 ms for a 2.5 KB story, measured), a replace only scans.
_CHAR_MAP = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ى": "ي", "ی": "ي", "ې": "ي", "ۍ": "ي", "ئ": "ي",
    "ک": "ك", "ڪ": "ك", "گ": "ك",
    "ؤ": "و",
    "ة": "ه", "ۀ": "ه", "ە": "ه", "ہ": "ه", "ھ": "ه",
    _TATWEEL: "",
    "\u200c": "", "\u200d": "", "\u200f": "", "\u200e": "", "\u061c": "",
    **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic ٠-٩
    **{chr(0x06F0 + i): str(i) for i in range(10)},  # Eastern (Persian) ۰-۹
}
_WORD = re.compile(r"\w+")

# Arabic-Indic digits and Arabic punctuation only, for date parsing, which must keep
# letters intact (month names) but cannot read ٠-٩.
_DIGITS_ONLY = str.maketrans(
    {
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        "٫": ".", "٬": ",", "،": ",", "؛": ";",
    }
)


def normalise(text: str) -> str:
    """Comparison key: NFKC, no tashkeel/tatweel, unified alef/yeh/kaf/teh marbuta,
    ASCII digits, collapsed spaces, lower-case Latin."""
    if not text:
        return ""
    text = _TASHKEEL.sub("", unicodedata.normalize("NFKC", text))
    for char, replacement in _CHAR_MAP.items():
        if char in text:
            text = text.replace(char, replacement)
    return " ".join(text.split()).lower()  # whitespace runs collapsed, ends stripped


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits to 0-9 (and Arabic separators to ASCII)."""
    return text.translate(_DIGITS_ONLY)


def words(text: str) -> list[str]:
    """Normalised word tokens."""
    return _WORD.findall(normalise(text))


def dedupe_keep_first(values: list[str]) -> list[str]:
    """Drop values whose normalised form was already seen; the first spelling wins."""
    seen: set[str] = set()
    out = []
    for value in values:
        key = normalise(value)
        if key and key not in seen:
            seen.add(key)
            out.append(value)
    return out


_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_PERSIAN_LETTERS = re.compile("[پچژگکی]")
_URDU_LETTERS = re.compile("[ٹڈڑںےۓھہ]")


def script_language(text: str) -> str | None:
    """Guess ar / fa / ur from letter frequencies; None when the text is not Arabic-script.

    Persian and Urdu share the Arabic script; their own letters (پ چ ژ گ ک ی, ٹ ڈ ڑ ں ے)
    give them away, while Arabic pages use none of them except in quoted names.
    """
    arabic = len(_ARABIC_LETTER.findall(text))
    persian = len(_PERSIAN_LETTERS.findall(text))
    urdu = len(_URDU_LETTERS.findall(text))
    total = arabic + persian + urdu
    if total < 20:
        return None
    if urdu / total > 0.02:
        return "ur"
    if persian / total > 0.02:
        return "fa"
    return "ar"


# What may sit inside a published word without being part of its normalised form (tashkeel,
# tatweel, invisible marks): a word of the original text is a run of \w and these, so that
# the search analyzer finds مُحَمَّد or السـلام whole, e.g. to highlight them.
IN_WORD_MARKS = "[" + _TASHKEEL.pattern[1:-1] + "".join(c for c, k in _CHAR_MAP.items() if not k) + "]"
