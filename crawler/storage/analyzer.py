"""The Arabic analyzer shared by indexing and querying, on both backends.

A stored text and a user's query go through the same steps, so that the spellings a reader
treats as one word meet in one index term: :func:`crawler.arabic.normalise` (hamza and alef
forms, ة/ه, ى/ي, Persian ک/ی, tashkeel, tatweel, Arabic-Indic digits), word tokens, the
article ال with the clitics that join it (و ف ب ك ل: وال فال بال كال لل) and a leading
conjunction و/ف stripped, and a light stem (common suffixes).

Why our own light stemmer: snowballstemmer's Arabic stemmer was measured on news words at
~180 µs a word (≈ 90 ms for one 500-word story, more than parsing it) and it is not
consistent across clitics (وزير → زير but الوزير → وزير, فلسطين → لسط, والكتب kept whole),
which would split a word's occurrences between index terms. Light stemming in the style of
Larkey's light10 keeps every form of a word with its clitics in one term at ~1 µs a word.
Broken plurals (كتاب/كتب) are different words to any light stemmer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from crawler.arabic import normalise

_TOKEN = re.compile(r"\w+")
# Longest first; applied once, each only when at least MIN_STEM letters remain. After
# normalise, ة is ه and ى/ئ are ي, so these are the normalised spellings.
# A bare ب/ك/ل is not stripped: too many words begin with those letters (كتاب, بلد, لجنة).
_ARTICLE_PREFIXES = ("وبال", "وكال", "وال", "فال", "بال", "كال", "لل", "ال")
_CONJUNCTIONS = ("و", "ف")
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")
MIN_STEM = 3
_ARABIC = re.compile("[\u0621-\u064a]")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Index term of one normalised word (cached: news text repeats its words)."""
    if not _ARABIC.match(word):
        return word  # Latin words and numbers as they are
    for prefix in _ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM - 1:
            word = word[len(prefix):]
            break
    # Also after the article, though Arabic puts the conjunction before it: a word's own
    # initial و/ف (وزير, فيلم) is then stripped with and without ال alike, so الوزير and
    # وزير stay one term.
    if word[:1] in _CONJUNCTIONS and len(word) > MIN_STEM:
        word = word[1:]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM - 1:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """Index terms of a text, in order (phrases match on consecutive terms)."""
    return [stem(w) for w in _TOKEN.findall(normalise(text))]


def index_text(text: str) -> str:
    """What the full-text index holds for a text: its terms, space-separated."""
    return " ".join(terms(text))


@dataclass
class Search:
    """A parsed ``--search``: every term and phrase is required, excluded terms must not occur."""

    required: list[str] = field(default_factory=list)          # single terms
    phrases: list[list[str]] = field(default_factory=list)     # two or more consecutive terms
    excluded: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.required and not self.phrases

    def all_terms(self) -> list[str]:
        return [*self.required, *(t for p in self.phrases for t in p)]


_SYNTAX = re.compile(r'"([^"]*)"?|(\S+)')


def parse_search(text: str) -> Search:
    """User syntax: words (all must match), "a quoted phrase", -word to exclude."""
    out = Search()
    for phrase, word in _SYNTAX.findall(text or ""):
        if word.startswith("-") and len(word) > 1:
            out.excluded.extend(terms(word[1:]))
            continue
        found = terms(phrase if phrase else word)
        if len(found) > 1 and phrase:
            out.phrases.append(found)
        else:
            out.required.extend(found)
    out.required = list(dict.fromkeys(out.required))
    return out


def snippet(text: str, search: Search, words: int = 24, mark: tuple[str, str] = ("[", "]")) -> str:
    """The stretch of ``text`` (as published) with most search terms, matches marked.

    Computed here rather than by FTS5's snippet(): the full-text index holds analyzed terms,
    not the published text, and the same snippet is then given by both backends."""
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return ""
    wanted = set(search.all_terms())
    hits = [i for i, m in enumerate(tokens) if stem(normalise(m.group()).replace(" ", "")) in wanted]
    start = 0
    if hits:
        best = max(hits, key=lambda i: sum(1 for h in hits if i <= h < i + words))
        start = max(0, best - words // 4)
    window = tokens[start:start + words]
    hit_set = set(hits)
    parts, pos = [], window[0].start()
    for i, m in enumerate(window, start):
        parts.append(text[pos:m.start()])
        parts.append(f"{mark[0]}{m.group()}{mark[1]}" if i in hit_set else m.group())
        pos = m.end()
    out = " ".join("".join(parts).split())
    return ("… " if start else "") + out + (" …" if start + words < len(tokens) else "")
