"""Control characters: out of pages before extraction, out of stored short fields, and
escaped in what the CLI prints.

Why three rules: a control character in a story (``&#11;``, ``&#27;``…) makes trafilatura
discard the whole body, so pages lose them before any parsing; a headline carrying
``ESC ] 0 ; … BEL`` or ``U+202E`` rewrites a reader's terminal or reverses what follows, so
stored titles, names and tags lose them too; and whatever still reaches a terminal (a body
stored by an older version, a URL) is shown escaped, never interpreted. Formatting marks that
Arabic text needs — ZWNJ/ZWJ, the Arabic letter mark, LRM/RLM — are kept everywhere.
"""

from __future__ import annotations

import re

# C0 controls except tab, line feed and carriage return; DEL; C1 controls.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# Bidi embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): they
# reorder the text that follows them, in a terminal beyond the field's own end.
_BIDI = "\u202a-\u202e\u2066-\u2069"
# A control character as written in HTML: literally or as a numeric reference (&#11; &#x1b;).
# C1 references are not touched: HTML maps &#128;–&#159; to windows-1252 punctuation.
_HTML_CONTROL = re.compile(
    rf"[{_CONTROL}]|&#(?:0*(?:[0-8]|1[1-2]|1[4-9]|2\d|3[01]|127)(?!\d)"
    r"|[xX]0*(?:[0-8bBcC]|1[0-9a-fA-F]|7[fF])(?![0-9a-fA-F]));?"
)
_FIELD_CONTROL = re.compile(f"[{_CONTROL}{_BIDI}\u2028\u2029]")
# What a terminal must not interpret: controls except newline and tab, bidi controls, and
# line/paragraph separators.
_UNPRINTABLE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")


def strip_html_controls(html: str) -> str:
    """The page without control characters, literal or as character references."""
    return _HTML_CONTROL.sub("", html) if _HTML_CONTROL.search(html) else html


def clean_field(value: str) -> str:
    """A short text field (title, author, tag…) without control or bidi override characters."""
    return _FIELD_CONTROL.sub("", value).strip() if _FIELD_CONTROL.search(value) else value


def printable(text: str) -> str:
    """Text for a terminal: every character that would act on it shown as an escape
    (``\\x1b``, ``\\u202e``); newlines and tabs stay."""
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)
