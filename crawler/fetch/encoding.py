"""Bytes of a fetched page → text, robust to the charset lies Arabic sites tell.

Common cases: a page in windows-1256 served with ``charset=utf-8`` (decoding as declared
fills it with U+FFFD), a UTF-8 page declared as windows-1256 or iso-8859-1 (decoding as
declared gives mojibake without a single error), and no declaration at all. Valid UTF-8
with non-ASCII bytes is taken as UTF-8 whatever the label, because legacy Arabic text is
practically never valid multi-byte UTF-8; otherwise the candidate that decodes strictly
and yields the most Arabic letters wins, with the declared charsets first on ties.
"""

from __future__ import annotations

import re

from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

ARABIC_FALLBACK = "cp1256"
# C0 controls other than tab/newline/CR: never text, and libxml2 gives up on a page at the
# first one (the rest of the article is lost), so they are dropped from the decoded text.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_MAGIC = (
    b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"PK\x03\x04", b"\x1f\x8b",
    b"RIFF", b"OggS", b"ID3", b"\x00\x00\x01\x00", b"wOFF", b"wOF2", b"BM", b"\x7fELF",
    b"fLaC", b"\x1a\x45\xdf\xa3", b"7z\xbc\xaf", b"Rar!", b"MZ",
)


def looks_binary(body: bytes) -> bool:
    """Images, PDFs, archives and other non-text served where a page was expected. A few
    stray control bytes do not make a page binary (broken CMSes emit them)."""
    head = body[:4096]
    if read_bom(head)[0]:  # UTF-16/32 text legitimately contains NUL bytes
        return False
    if head.lstrip().startswith(_MAGIC):
        return True
    return len(_CONTROLS.findall(head.decode("latin-1"))) > len(head) // 20


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    """Declared HTML/XHTML, or undeclared/mislabelled but starting with markup. JSON, plain
    text and other documents served where an article was expected are not pages."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in ("text/html", "application/xhtml+xml"):
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def decode_page(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(encoding, text) of an HTML page, control characters removed."""
    encoding, text = _decode(body, content_type)
    return encoding, _CONTROLS.sub("", text)


def _decode(body: bytes, content_type: str | None) -> tuple[str, str]:
    bom, mark = read_bom(body)
    if bom and mark:
        return bom, body[len(mark):].decode(bom, errors="replace")
    if body.isascii():
        return "ascii", body.decode("ascii")
    text = body.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    # (non-ASCII characters counted in C: len minus what an ASCII encoding keeps)
    if not broken or broken * 50 <= len(text) - len(text.encode("ascii", "ignore")):
        # Valid UTF-8 apart from the odd broken sequence (a page cut mid-character, a stray
        # legacy snippet): still UTF-8. Legacy Arabic bytes read as UTF-8 are nearly all broken.
        return "utf-8", text
    best: tuple[int, str, str] | None = None
    for name in (http_content_type_encoding(content_type), html_body_declared_encoding(body),
                 ARABIC_FALLBACK):
        encoding = resolve_encoding(name) if name else None
        if not encoding or encoding == "utf-8":
            continue
        try:
            text = body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        score = len(_ARABIC_LETTER.findall(text))
        if best is None or score > best[0]:
            best = (score, encoding, text)
    if best is not None:
        return best[1], best[2]
    return html_to_unicode(content_type, body)
