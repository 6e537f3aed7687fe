"""Each layout family's fixture page parses to its reviewed expected JSON (Fundus style),
plus the properties each page was written to exercise, stated outright."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_rasd
from tests.fixture_pages import PAGES, expected, names, parse_fixture


@pytest.mark.parametrize("name", names())
def test_fixture_matches_expected_json(name: str) -> None:
    got = parse_fixture(name)
    want = expected(name)["expected"]
    for key in want:
        assert got[key] == want[key], f"{name}: {key}"


def test_every_layout_family_has_a_page() -> None:
    assert set(names()) >= {"aggregator", "portal_inline", "jsonld_only", "windows1256",
                            "indic_digits", "persian"}


def test_aggregator_page_is_split_like_the_seed() -> None:
    got = parse_fixture("aggregator")
    assert got["title"] == "لقاء كيم وبوتين يثير مخاوف واشنطن من تعزيز التعاون العسكري"
    assert got["published"] == "2023-09-12T00:00:00Z"
    assert got["source"] == "الوطن"
    # "کوریا الشمالیة" (Persian letters) is the same tag as "كوريا الشمالية": first spelling kept.
    assert got["tags"] == ["بوتين", "كيم", "كوريا الشمالية", "روسيا"]
    assert [link["title"] for link in got["read_also"]] == [
        "كوريا الشمالية تختبر إطلاق صواريخ استراتيجية", "بوتين يستقبل وفدا كوريا شماليا في موسكو"]
    assert all(link["snippet"] for link in got["read_also"])
    assert "utm_source" not in got["read_also"][1]["url"]
    for furniture in ("المصدر", "كلمات دلالية", "إقرأ أيضاً", "الأكثر قراءة", "فيسبوك", "جميع الحقوق"):
        assert furniture not in got["body"]
    # The description meta is only the site's name: the lead paragraph stands in.
    assert got["summary"].startswith("قالت صحيفة واشنطن بوست") and got["extraction"]["summary"] == "body"
    assert got["section"] == "العالم"  # from the breadcrumb trail


def test_portal_read_also_inline_and_box_without_self_duplicates_or_sidebars() -> None:
    got = parse_fixture("portal_inline")
    urls = [link["url"] for link in got["read_also"]]
    assert urls == ["https://mashreq.example/lebanon/2023/12/20/tariff",
                    "https://mashreq.example/lebanon/2023/11/02/solar",
                    "https://mashreq.example/lebanon/2023/12/28/fuel"]
    assert got["url"] not in urls
    assert "اقرأ" not in got["body"] and "إقرأ" not in got["body"]
    assert "التعليقات" not in got["body"] and "مجلس الأمن" not in got["body"]
    assert got["authors"] == ["سارة محمود"]
    assert got["published"] == "2024-01-03T08:15:00Z"


def test_jsonld_only_page_takes_every_field_from_the_graph() -> None:
    got = parse_fixture("jsonld_only")
    assert got["authors"] == ["خالد العتيبي", "نورة الشهري"]  # "بقلم:" stripped
    assert got["image"] == "https://khaleej.example/media/2024/03/ev-factory.jpg"  # @id resolved
    assert got["tags"] == ["السيارات الكهربائية", "رؤية 2030", "الصناعة"]
    assert got["published"] == "2024-03-18T05:30:00Z"
    assert got["title"] == "السعودية تطلق برنامجا لتوطين صناعة السيارات الكهربائية"
    assert {got["extraction"][f] for f in ("published", "modified", "authors", "image", "section")} == {"jsonld"}


def test_windows_1256_page_is_decoded() -> None:
    got = parse_fixture("windows1256")
    assert got["title"] == "تونس: انطلاق موسم جني الزيتون وسط توقعات بصابة قياسية"
    assert got["published"] == "2023-01-15T00:00:00Z"  # "الأحد 15 جانفي 2023"
    assert got["source"] == "وكالة تونس إفريقيا للأنباء"
    assert "المصدر" not in got["body"]


def test_arabic_indic_dates_and_relative_update() -> None:
    got = parse_fixture("indic_digits")
    assert got["published"] == "2024-04-24T21:30:00Z"  # ٢٤ أبريل ٢٠٢٤ - ٠٩:٣٠ م
    assert got["modified"] == "2024-04-25T10:00:00Z"  # منذ ساعتين before the fetch
    assert "٣١٢٠" in got["body"]  # the text keeps its digits as published


def test_persian_page_is_flagged() -> None:
    got = parse_fixture("persian")
    assert got["language"] == "fa"
    assert "سهمیه\u200cای" in got["body"]


def test_urdu_page_is_flagged() -> None:
    assert parse_fixture("urdu")["language"] == "ur"


def test_rasd_parse_prints_what_the_pipelines_store(tmp_path) -> None:
    spec = expected("windows1256")
    proc = run_rasd("parse", str(PAGES / "windows1256.html"), "--url", spec["input_url"],
                    env={"RASD_SITES": str(tmp_path)}, check=True)
    out = json.loads(proc.stdout)
    for key in ("title", "published", "source", "body", "language"):
        assert out[key] == spec["expected"][key]
