"""The parse pipeline fuzzed with mutated real pages: the local site's pages and, when
../shared is beside the checkout, the real Arabic pages of shared/corpus/arabic (read at
test time, never copied). Whatever the bytes, parsing yields an article or a clean
"not an article" (DropItem) — never another exception. Feeds, sitemaps, dates and the
charset detection get the same treatment.

A crash found here is minimised by hypothesis; check the page in under
tests/fixtures/regressions/ (test_regressions parses every file there). Run longer with
RASD_FUZZ_EXAMPLES=5000.
"""

from __future__ import annotations

import gzip
import os
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.exceptions import DropItem

from crawler.dates import parse_date
from crawler.fetch.discovery import parse_feed, parse_sitemap
from crawler.fetch.encoding import decode_page, looks_binary
from pipelines.offline import parse_page
from tests.conftest import SHARED
from tests.localsite import NewsSite

EXAMPLES = int(os.environ.get("RASD_FUZZ_EXAMPLES", "60"))
REGRESSIONS = Path(__file__).parent / "fixtures" / "regressions"
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("RASD_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NASTY = [
    b"<!--", b"-->", b"<![CDATA[", b"]]>", b"</html>", b"<html>", b"<script>", b"</script>", b"<style>",
    b"&#0;", b"&#x110000;", b"&#xD800;", b"&nosuch;", b"&amp", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe",
    b'<meta charset="utf-16">', b'<meta charset="x-no-such">',
    b'<meta http-equiv="refresh" content="0;url=javascript:x">',
    b'<base href="javascript:alert(1)">', b"<svg><foreignObject>", b"<div>" * 300, b"<table><tr>" * 40,
    b'<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "1445-13-40", "headline": ',
    b'<script type="application/ld+json">[[[[[[[[[[', b'<meta property="article:published_time" content="9999-99-99">',
    b"<h1>", b"</h1>", b"<p>", b"</p>", b"<article>", b"</article>", b'<a href="//\xff\xfe:/x">',
    b'<a href="http://[::1">', b"\xd8", b"\xd9\x84", "تاريخ النشر: ١٤٤٥/٠٣/٠١".encode(), b"\r", b"\x1b[2J",
    b'<link rel="canonical" href="http://%zz/">', b'<img src="data:image/png;base64,' + b"A" * 5000 + b'">',
]


@cache
def seeds() -> list[bytes]:
    site = NewsSite(n=6)
    site.base = "http://127.0.0.1:8000"
    pages = [site.article_html(s).encode() for s in site.stories.values()][:3]
    pages += [site.listing_html(1).encode(), site.rss().encode(), site.news_sitemap().encode()]
    corpus = SHARED / "corpus" / "arabic"
    if corpus.is_dir():
        for path in sorted(corpus.glob("*.html*")):
            data = path.read_bytes()
            pages.append(gzip.decompress(data) if path.suffix == ".gz" else data)
    return pages


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "nasty", "truncate", "flip"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        size = draw(st.integers(1, 4096))
        if op == "delete":
            del data[at: at + size]
        elif op == "duplicate":
            data[at:at] = data[at: at + size]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "nasty":
            data[at:at] = draw(st.sampled_from(NASTY))
        elif op == "truncate":
            del data[at:]
        elif data:
            data[at % len(data)] ^= draw(st.integers(1, 255))
    return bytes(data)


def parse_or_drop(data: bytes) -> None:
    """The property: an article dict, or DropItem. Anything else is a crash."""
    if looks_binary(data):
        return  # the spider never parses these
    try:
        out = parse_page(data, "http://127.0.0.1:8000/news/1/x", None, {})
    except DropItem:
        return
    assert isinstance(out["body"], str) and out["body"]
    assert isinstance(out["title"], str)


@FUZZ
@given(mutated())
def test_parse_pipeline_never_crashes(data: bytes) -> None:
    parse_or_drop(data)


@FUZZ
@given(mutated(), st.sampled_from([None, "text/html", "text/html; charset=utf-8",
                                   "text/html; charset=windows-1256", "text/html; charset=x-bogus",
                                   "text/html; charset=utf-16"]))
def test_decoding_never_crashes(data: bytes, content_type: str | None) -> None:
    encoding, text = decode_page(data, content_type)
    assert isinstance(text, str) and encoding


@FUZZ
@given(mutated())
def test_feed_and_sitemap_parsing_never_crash(data: bytes) -> None:
    for entry in parse_feed(data):
        assert isinstance(entry.url, str)
    sitemap = parse_sitemap(data)
    assert all(isinstance(e.url, str) for e in sitemap.entries)


DATE_PARTS = ["12", "09", "2023", "1445", "9999", "0000", "31", "02", "30", "سبتمبر", "رمضان", "ص", "م",
              "١٤٤٥", "٢٠٢٣", "منذ", "ساعة", "-", "/", ":", "T", "Z", "+14:00", "-12:00", "GMT", " ",
              "12th", "أمس", "0001-01-01T00:00:00-01:00", "9999-12-31T23:59:59+14:00", "\x00"]


@FUZZ
@given(st.lists(st.sampled_from(DATE_PARTS), max_size=12).map("".join) | st.text(max_size=60),
       st.sampled_from(["UTC", "Africa/Cairo", "Asia/Riyadh", "Pacific/Kiritimati"]))
def test_date_parsing_never_crashes(text: str, timezone: str) -> None:
    value = parse_date(text, timezone)
    assert value is None or value.tzinfo is not None


@pytest.mark.parametrize("path", sorted(p for p in REGRESSIONS.glob("*") if p.name != "README.md"),
                         ids=lambda p: p.name)
def test_regressions(path: Path) -> None:
    """Every page that once crashed a part of the parse pipeline."""
    data = path.read_bytes()
    if path.suffix == ".txt":  # a date string
        parse_date(data.decode("utf-8", "replace"))
        return
    decode_page(data, None)
    parse_feed(data)
    parse_sitemap(data)
    parse_or_drop(data)
