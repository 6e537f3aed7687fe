"""A page that starts with a byte-order mark (Windows editors and some CMSes write one) is
decoded by its BOM, which is dropped; it used to crash decoding (found by mypy: w3lib's
``read_bom`` returns the mark's bytes, not its length)."""

from __future__ import annotations

import pytest

from crawler.fetch.encoding import decode_page
from pipelines.offline import parse_page

PAGE = ("<html><head><title>عنوان الخبر</title></head><body><article><h1>وزير الخارجية يزور القاهرة</h1>"
        "<p>" + "قال وزير الخارجية إن الزيارة تهدف إلى تعزيز التعاون بين البلدين. " * 6 + "</p>"
        "</article></body></html>")


@pytest.mark.parametrize(("bom", "codec"), [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                                            (b"\xfe\xff", "utf-16-be")])
def test_a_page_with_a_byte_order_mark_decodes(bom: bytes, codec: str) -> None:
    encoding, text = decode_page(bom + PAGE.encode(codec), "text/html")
    assert (encoding, text) == (codec, PAGE)
    article = parse_page(bom + PAGE.encode(codec), "https://example.com/news/2024/1/1/123", None, {})
    assert article["title"] == "وزير الخارجية يزور القاهرة"
