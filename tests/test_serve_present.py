"""What the pages make of stored values: highlighting in the published spelling, snippets,
links only for http(s), bidi controls out of shown URLs, Arabic dates, search parameters."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from starlette.datastructures import QueryParams

from crawler.serve.params import BadRequest, parse_search
from crawler.serve.present import arabic_date, marked, safe_href, shown_url, snippet, title
from crawler.serve.security import safe_next
from crawler.storage.analyzer import excerpt, highlights, mark
from crawler.storage.analyzer import parse_search as analyze_search


@pytest.mark.parametrize(("term", "text", "found"), [
    ("الاخبار", "آخر الأخبار اليوم", "الأخبار"),
    ("مدرسة", "افتتاح مدرسه جديدة", "مدرسه"),
    ("مستشفى", "مستشفي الولادة", "مستشفي"),
    ("كتب", "كُتُب قديمة", "كُتُب"),              # tashkeel between the letters
    ("السلام", "السـلام عليكم", "السـلام"),        # tatweel
    ("عام 2023", "في عام ٢٠٢٣ بدأ", "عام ٢٠٢٣"),   # Arabic-Indic digits
    ("Gaza", "news from GAZA today", "GAZA"),
])
def test_the_analyzer_marks_the_published_spelling(term: str, text: str, found: str) -> None:
    # Titles and snippets are both marked this way (analyzer.mark / analyzer.excerpt): the
    # spelling regex that highlighted titles before is gone.
    runs = mark(text, analyze_search(term))
    assert " ".join(t for t, hit in runs if hit) == found
    assert "".join(t for t, _ in runs) == text  # the published text, whole


def test_highlight_escapes_everything_but_its_own_marks() -> None:
    out = marked(mark("<script>x</script> الاخبار <b>", analyze_search('"الأخبار" <b> -مصر')))
    # The analyzer's words: "<b>" is the word b between escaped brackets.
    assert str(out) == "&lt;script&gt;x&lt;/script&gt; <mark>الاخبار</mark> &lt;<mark>b</mark>&gt;"
    hits = [t for t, hit in mark("غزة ومصر: وقف اطلاق النار", analyze_search('غزة -مصر "وقف اطلاق"')) if hit]
    assert hits == ["غزة", "وقف", "اطلاق"]  # an excluded word is never marked
    assert [t for t, hit in mark("غير مغلق", analyze_search('"غير مغلق')) if hit] == ["غير", "مغلق"]


def test_snippet_is_the_stretch_with_the_matches_marked_by_the_search_analyzer() -> None:
    body = "مقدمة طويلة " * 40 + "ارتفعت أسعار <والنفط> اليوم. " + "خاتمة " * 60
    out = str(marked(excerpt(body, analyze_search("النفط"))))
    # A clitic-prefixed spelling is marked (the analyzer's match), the rest escaped, no brackets.
    assert out.startswith("… ") and out.endswith(" …") and "&lt;<mark>والنفط</mark>&gt;" in out
    assert "[" not in out
    assert str(snippet({"body": "نص قصير"})) == "نص قصير"


def test_title_and_snippet_of_a_found_article_are_marked_alike() -> None:
    # Each spelling is matched through normalisation: tashkeel, alef forms, Persian ی/ک,
    # Arabic-Indic digits; the page marks the same published words in the title and the snippet.
    text = "مُحَمَّد يزور بیروت وإسرائيل والکویت عام ٢٠٢٣ <مع> الوفد"
    doc = {"title": text, "body": "في الخبر: " + text}
    highlights(doc, analyze_search("محمد بيروت اسرائيل الكويت 2023"))
    in_title = re.findall("<mark>(.*?)</mark>", str(title(doc)))
    in_snippet = re.findall("<mark>(.*?)</mark>", str(snippet(doc)))
    assert in_title == in_snippet == ["مُحَمَّد", "بیروت", "وإسرائيل", "والکویت", "٢٠٢٣"]
    assert "&lt;مع&gt;" in str(title(doc)) and "&lt;مع&gt;" in str(snippet(doc))
    assert doc["snippet"] == "في الخبر: [مُحَمَّد] يزور [بیروت] [وإسرائيل] [والکویت] عام [٢٠٢٣] <مع> الوفد"


@pytest.mark.parametrize(("url", "href"), [
    ("https://a.example/x", "https://a.example/x"), ("http://a.example/", "http://a.example/"),
    ("javascript:alert(1)", None), (" JavaScript:alert(1)", None), ("data:text/html,x", None),
    ("vbscript:x", None), ("//evil.example/", None), ("/relative", None), (None, None),
    ("https://evil.example/\u202egnp.exe", None),
])
def test_only_http_urls_become_links(url: str | None, href: str | None) -> None:
    assert safe_href(url) == href


def test_shown_urls_lose_bidi_controls_and_dates_are_arabic() -> None:
    assert shown_url("https://a.example/\u202eexe.txt") == "https://a.example/exe.txt"
    assert arabic_date(datetime(2023, 9, 12, 9, 5, tzinfo=UTC)) == "12 سبتمبر 2023، 09:05 UTC"
    assert arabic_date("2023-01-02T00:00:00Z") == "2 يناير 2023، 00:00 UTC"


def test_search_parameters() -> None:
    s = parse_search(QueryParams("q=غزة&site=a&site=b&since=2026-11-01&until=2026-11-02&page=3&size=10"))
    q = s.query
    assert q.sites == ("a", "b") and q.offset == 20 and q.limit == 10
    assert (q.until - q.since).days == 2  # the until day is included
    assert s.params(page=4)["page"] == 4 and s.params()["until"] == "2026-11-02"
    with pytest.raises(BadRequest, match="size"):
        parse_search(QueryParams("size=0"))


@pytest.mark.parametrize(("target", "safe"), [
    ("/?q=%D8%BA%D8%B2%D8%A9", "/?q=%D8%BA%D8%B2%D8%A9"), ("/sites", "/sites"), ("//evil.example/", "/"),
    ("/\t/evil.example", "/"), ("/\\evil.example", "/"), ("https://evil.example/", "/"), ("", "/"), (None, "/"),
    ("/\n/evil.example", "/"), ("javascript:alert(1)", "/"),
])
def test_login_only_returns_to_this_app(target: str | None, safe: str) -> None:
    assert safe_next(target) == safe
