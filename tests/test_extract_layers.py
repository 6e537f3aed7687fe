"""Layer order and per-field checks: the most trusted layer whose value passes wins, and
``extraction`` says which layer that was."""

from __future__ import annotations

from pathlib import Path

from crawler.config import SiteConfig
from crawler.extract import extract_article

URL = "https://site.example/news/2024/05/10/story"
BODY = "".join(f"<p>فقرة رقم {i} من نص الخبر، فيها كلمات كافية لتعد من متن المقال وليس من الزخارف.</p>"
               for i in range(6))


def page(head: str = "", before: str = "") -> str:
    return (f"<html><head>{head}</head><body><h1 class='headline'>الرئيس يفتتح مشروعا جديدا للطاقة</h1>"
            f"{before}<div class='content'>{BODY}</div></body></html>")


def test_site_selectors_come_first_and_are_recorded() -> None:
    site = SiteConfig(name="s", path=Path("s.toml"),
                      selectors={"title": ("h1.headline",), "authors": ("span.writer",)})
    html = page('<meta property="og:title" content="عنوان آخر تماما من الوسوم">',
                "<span class='writer'>منى سالم</span>")
    art = extract_article(html, URL, site)
    assert art["title"] == "الرئيس يفتتح مشروعا جديدا للطاقة"
    assert art["authors"] == ["منى سالم"]
    assert art["extraction"]["title"] == "selectors" and art["extraction"]["authors"] == "selectors"


def test_jsonld_beats_meta_and_bad_values_fall_through() -> None:
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-05-10T09:00:00+03:00",'
            '"author": {"@type": "Person", "name": "https://www.facebook.com/someone"}}</script>'
            '<meta property="article:published_time" content="2024-05-09T09:00:00Z">'
            '<meta name="author" content="سامي يوسف">')
    art = extract_article(page(head), URL)
    assert art["published"] == "2024-05-10T09:00:00+03:00" and art["extraction"]["published"] == "jsonld"
    # A URL is no author's name: the meta layer's value is taken instead.
    assert art["authors"] == ["سامي يوسف"] and art["extraction"]["authors"] == "meta"


def test_visible_headline_not_the_title_tag_with_site_suffix() -> None:
    head = ('<title>الرئيس يفتتح مشروعا جديدا للطاقة | جريدة المساء</title>'
            '<meta property="og:title" content="الرئيس يفتتح مشروعا جديدا للطاقة | جريدة المساء">')
    art = extract_article(page(head), URL)
    assert art["title"] == "الرئيس يفتتح مشروعا جديدا للطاقة"
    assert art["extraction"]["title"] == "heuristics"


def test_unreadable_metadata_date_falls_back_to_the_printed_one() -> None:
    head = '<meta property="article:published_time" content="not a date">'
    art = extract_article(page(head, "<div class='date'>10 مايو 2024</div>"), URL)
    assert art["published"] == "10 مايو 2024" and art["extraction"]["published"] == "heuristics"


def test_malformed_and_empty_html_do_not_crash() -> None:
    assert extract_article("", URL)["read_also"] == []
    # Unclosed tags, a stray </div>, and a page cut off mid-paragraph (truncated download).
    broken = ("<html><body><h1>عنوان خبر مقطوع في المنتصف</h1></div><div class='content'>"
              + "".join(f"<p>الفقرة {i} غير المغلقة من نص الخبر تحمل كلمات كافية ليعدها المستخرج متنا"
                        for i in range(6)) + "<p>وهنا ينقطع الن")
    art = extract_article(broken, URL)
    assert art["title"] == "عنوان خبر مقطوع في المنتصف"
    assert "الفقرة 5 غير المغلقة" in art["body"]


def test_printed_date_lines_with_short_english_month_names_are_found() -> None:
    """"May", "Mar", "Jan" are month names beside a number and plain words elsewhere: a
    date line printed "31st, May 2023" is found (it was missed while "1st, June 2023" was),
    and a sentence with "may" and a year in it is not taken for a date."""
    for line in ("31st, May 2023 GMT", "Mar 3, 2024", "7 jan 2022"):
        art = extract_article(page(before=f"<div class='date'>تاريخ النشر: {line}</div>"), URL)
        assert art.get("published") == line and art["extraction"]["published"] == "heuristics"
    prose = "<div class='note'>We may publish 2023 figures later, the editors said.</div>"
    assert extract_article(page(before=prose), URL).get("published") is None


def test_a_metadata_family_on_the_local_clock_is_corrected_as_a_whole() -> None:
    """Issue 13.4: youm7's meta tags carry Cairo wall-clock times labelled "Z". Once the
    printed date shows it for the publication time, the modification time of the same
    family is read on the same clock; metadata whose zone is right is left alone."""
    site = SiteConfig(name="s", path=Path("s.toml"), timezone="Africa/Cairo",
                      selectors={"published": ("span.date",)})
    printed = "<span class='date'>الإثنين، 13 مايو 2024 06:00 ص</span>"

    def modified(published_meta: str, modified_meta: str) -> str:
        head = (f'<meta property="article:published_time" content="{published_meta}">'
                f'<meta property="article:modified_time" content="{modified_meta}">')
        art = extract_article(page(head, printed), URL, site)
        assert art["published"] == "الإثنين، 13 مايو 2024 06:00 ص"
        return art["modified"]

    assert modified("2024-05-13T06:00:00Z", "2024-05-13T08:30:00Z") == "2024-05-13T08:30:00"
    assert modified("2024-05-13T03:00:00Z", "2024-05-13T08:30:00Z") == "2024-05-13T08:30:00Z"
    assert modified("2024-05-13T06:00:00+03:00", "2024-05-13T08:30:00+03:00") == "2024-05-13T08:30:00+03:00"


def test_two_authors_joined_by_waw_are_two_names() -> None:
    """Issue 13.5: "كايلا إبستين وأنجليكا كاساس" is two people; a name that starts with و
    (وليد) inside one person's name is not cut."""
    from crawler.extract.names import split_names

    def authors(name: str) -> list[str]:
        return extract_article(page(f'<meta name="author" content="{name}">'), URL)["authors"]

    assert authors("كايلا إبستين وأنجليكا كاساس") == ["كايلا إبستين", "أنجليكا كاساس"]
    assert authors("أحمد علي و محمد حسن") == ["أحمد علي", "محمد حسن"]
    assert authors("سامي أحمد وليد حسن") == ["سامي أحمد وليد حسن"]
    assert authors("محمد وليد") == ["محمد وليد"]
    assert split_names("أحمد علي ووليد حسن ومنى سالم") == ["أحمد علي", "وليد حسن", "منى سالم"]
