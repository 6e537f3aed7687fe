"""Read-also detection on small pages: label spellings, inline and block forms, structural
related boxes, and what must never be taken (most-read sidebars, menus, tag pages, ads)."""

from __future__ import annotations

import pytest

from crawler.extract import extract_article

URL = "https://news.example/2024/05/story-1"
BODY = "".join(
    f"<p>هذه فقرة رقم {i} من نص الخبر الأصلي، وفيها ما يكفي من الكلمات لتعد جزءا من المقال نفسه.</p>"
    for i in range(5)
)


def page(extra: str, before: str = "") -> str:
    return (f"<html><body><nav><a href='/'>الرئيسية</a></nav><article><h1>عنوان الخبر الرئيسي هنا</h1>"
            f"{before}<div class='body'>{BODY}</div>{extra}</article></body></html>")


@pytest.mark.parametrize(
    "label",
    ["اقرأ أيضا", "إقرأ أيضاً", "اقرأ أيضًا", "اقرأ ايضا", "اقرأ كذلك", "أخبار ذات صلة", "مواضيع ذات صلة",
     "مواضيع ذات علاقة", "الموضوعات المتعلقة", "مقالات ذات صلة", "انظر أيضا", "شاهد أيضا", "قصص مقترحة",
     "يمكنك أيضا قراءة", "مواد ذات علاقة"],
)
def test_block_labels_in_every_spelling(label: str) -> None:
    html = page(f"<div><h3>{label}:</h3><ul><li><a href='/2024/05/story-2'>خبر آخر عن الموضوع نفسه</a></li>"
                f"<li><a href='/2024/05/story-3'>خبر ثالث عن الموضوع نفسه</a></li></ul></div>")
    art = extract_article(html, URL)
    assert [link["url"] for link in art["read_also"]] == [
        "https://news.example/2024/05/story-2", "https://news.example/2024/05/story-3"]
    assert label not in art["body"] and "خبر آخر" not in art["body"]


def test_inline_paragraph_inside_the_body_is_cut_from_it() -> None:
    inline = "<p><b>اقرأ أيضًا:</b> <a href='/2024/05/story-9'>وزير المالية يعلن موازنة العام الجديد</a></p>"
    art = extract_article(page("", before=inline), URL)
    assert art["read_also"][0]["title"] == "وزير المالية يعلن موازنة العام الجديد"
    assert "موازنة" not in art["body"]


def test_related_box_found_by_class_without_label() -> None:
    box = ("<div class='related-posts'><a href='/2024/05/story-4'>خبر مرتبط بلا عنوان للصندوق</a>"
           "<p>مقتطف قصير يشرح ما في الخبر المرتبط ويكفي ليعد مقتطفا.</p></div>")
    links = extract_article(page(box), URL)["read_also"]
    assert links == [{"url": "https://news.example/2024/05/story-4", "title": "خبر مرتبط بلا عنوان للصندوق",
                      "snippet": "مقتطف قصير يشرح ما في الخبر المرتبط ويكفي ليعد مقتطفا."}]


@pytest.mark.parametrize(
    "sidebar",
    [
        "<aside><h3>الأكثر قراءة</h3><ul><li><a href='/2024/05/hot'>الخبر الأكثر قراءة اليوم</a></li></ul></aside>",
        "<div class='latest'><h3>آخر الأخبار</h3><a href='/2024/05/new'>آخر خبر نشر على الموقع</a></div>",
        "<div id='trc_related_container'><a href='https://ads.example/x'>إعلان ممول يشبه الخبر تماما</a></div>",
        "<div class='related-ob'><a href='https://other.example/y'>خبر من موقع آخر تماما هنا</a></div>",
        "<div><h3>مواضيع ذات صلة</h3><ul><li><a href='/topics/gaza'>قطاع غزة والضفة الغربية</a></li></ul></div>",
    ],
)
def test_sidebars_menus_ads_and_topic_pages_are_not_read_also(sidebar: str) -> None:
    assert extract_article(page(sidebar), URL)["read_also"] == []


def test_dates_are_not_snippets() -> None:
    box = ("<div><p>الموضوعات المتعلقة</p></div><div><div class='card'>"
           "<a href='/2024/05/s5'>عنوان خبر متعلق بالموضوع</a><span>السبت، 11 مايو 2024 11:25 ص</span></div></div>")
    links = extract_article(page(box), URL)["read_also"]
    assert links[0]["title"] == "عنوان خبر متعلق بالموضوع" and links[0]["snippet"] == ""


def test_labelled_links_to_other_sites_are_kept_as_an_aggregator_prints_them() -> None:
    # The seed is an aggregated article: its "إقرأ أيضاً" block points at the source sites.
    block = ("<div><h3>إقرأ أيضاً:</h3><ul><li><a href='https://source.example/2024/05/kim'>"
             "كوريا الشمالية تختبر إطلاق صواريخ استراتيجية</a></li>"
             "<li><a href='/2024/05/story-2'>خبر آخر عن الموضوع نفسه</a></li></ul></div>")
    art = extract_article(page(block), URL)
    assert [link["url"] for link in art["read_also"]] == [
        "https://source.example/2024/05/kim", "https://news.example/2024/05/story-2"]
