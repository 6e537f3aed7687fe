"""A body selector keeps the article's paragraphs however the page marks them up."""

from __future__ import annotations

import pytest

from crawler.extract import parse_html, selectors


@pytest.mark.parametrize(("markup", "expected"), [
    # one block of text with <br> breaks (Alyaum, Al Madenah News, Assabah)
    ("<div id='b'>الفقرة الأولى.<br><br>الفقرة الثانية.<br>الثالثة.</div>",
     ["الفقرة الأولى.", "الفقرة الثانية.", "الثالثة."]),
    # inline markup inside a paragraph adds no spaces of its own (Youm7's linked keywords)
    ("<div id='b'><p><span>تستعد </span><a href='/x'>وزارة العمل</a><span>، خلال الفترة</span></p></div>",
     ["تستعد وزارة العمل، خلال الفترة"]),
    # blocks, scripts and empty paragraphs
    ("<div id='b'><p>أولا</p><script>var x = 1;</script><p> </p><div>ثانيا <b>بقوة</b></div></div>",
     ["أولا", "ثانيا بقوة"]),
])
def test_body_selector_paragraphs(markup: str, expected: list[str]) -> None:
    tree = parse_html(f"<html><body>{markup}</body></html>")
    assert selectors.extract(tree, {"body": ("#b",)})["body"].split("\n\n") == expected


def test_other_fields_stay_on_one_line() -> None:
    tree = parse_html("<html><body><h1>عنوان<br>فرعي</h1></body></html>")
    assert selectors.extract(tree, {"title": ("h1",)})["title"] == "عنوان فرعي"
