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
from typing import Any

from crawler.arabic import IN_WORD_MARKS, normalise

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


Marked = list[tuple[str, bool]]
"""Published text in runs, each flagged True where it matched the search: the one neutral form
of a highlighted title or snippet, rendered by each reader in its own way (the CLI with
brackets, ``rasd serve`` as escaped HTML with <mark>), so that no rendering has to guess
which brackets or characters were marks and which were published."""

_SPACES = re.compile(r"\s+")
_WORD = re.compile(rf"(?:\w|{IN_WORD_MARKS})+")  # a published word with its tashkeel and tatweel


def _words(text: str, search: Search) -> tuple[list[re.Match[str]], set[int]]:
    """The words of a published text and which of them the search matched (by index term,
    so «والنفط» is a match for النفط and «بیروت» for بيروت, exactly as the index matched)."""
    wanted = set(search.all_terms())
    words = list(_WORD.finditer(text))
    return words, {i for i, m in enumerate(words) if wanted.intersection(_word_terms(m.group()))}


@lru_cache(maxsize=200_000)
def _word_terms(word: str) -> tuple[str, ...]:
    return tuple(terms(word))


def _runs(text: str, words: list[re.Match[str]], hits: set[int], first: int, last: int) -> Marked:
    """``text`` from word ``first`` to word ``last`` (excluded) in marked runs, each
    whitespace run one space."""
    out: Marked = []
    pos = words[first].start()
    for i in range(first, last):
        m = words[i]
        gap = _SPACES.sub(" ", text[pos:m.start()])
        hit = i in hits
        if out and not out[-1][1]:
            out[-1] = (out[-1][0] + gap + ("" if hit else m.group()), False)
        elif gap or not hit:
            out.append((gap + ("" if hit else m.group()), False))
        if hit:
            out.append((m.group(), True))
        pos = m.end()
    return out


def mark(text: str, search: Search) -> Marked:
    """All of ``text`` with the search's matches marked (a title)."""
    words, hits = _words(text, search)
    if not words:
        return [(text, False)] if text else []
    head, tail = _SPACES.sub(" ", text[:words[0].start()]).lstrip(), _SPACES.sub(" ", text[words[-1].end():]).rstrip()
    return [*([(head, False)] if head else []), *_runs(text, words, hits, 0, len(words)),
            *([(tail, False)] if tail else [])]


def excerpt(text: str, search: Search, words: int = 24) -> Marked:
    """The stretch of ``text`` (as published) with most search terms, matches marked.

    Computed here rather than by FTS5's snippet(): the full-text index holds analyzed terms,
    not the published text, and the same excerpt is then given by both backends."""
    tokens, hits = _words(text, search)
    if not tokens:
        return []
    start = 0
    if hits:
        best = max(hits, key=lambda i: sum(1 for h in hits if i <= h < i + words))
        start = max(0, best - words // 4)
    end = min(len(tokens), start + words)
    return ([("… ", False)] if start else []) + _runs(text, tokens, hits, start, end) + (
        [(" …", False)] if end < len(tokens) else [])


def as_text(marked: Marked, marks: tuple[str, str] = ("[", "]")) -> str:
    """Marked runs as plain text, each match between ``marks`` (the CLI's and JSON's form)."""
    return "".join(f"{marks[0]}{t}{marks[1]}" if hit else t for t, hit in marked)


def highlights(doc: dict[str, Any], search: Search) -> None:
    """Give a found document its ``snippet`` (plain text, matches in brackets, for the CLI and
    JSON) and ``highlights`` (its title and snippet as :data:`Marked` runs, for pages): made
    once, here, by the analyzer that matched it, whichever backend found it."""
    body = doc.get("body") or doc.get("summary") or doc.get("title") or ""
    marked = {"title": mark(doc.get("title") or "", search), "snippet": excerpt(body, search)}
    doc["highlights"] = marked
    doc["snippet"] = as_text(marked["snippet"])
