"""Issue 13.6: agency credits and datelines are the story's source, not its text."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import SiteConfig
from crawler.extract import extract_article
from crawler.extract.attribution import take

SITE_KEYS = {"المدينه نيوز"}
LEAD = "قال وزير الصحة إن الوضع الوبائي مستقر."
LAST = "وأضاف أن الوزارة ستعلن الأرقام الجديدة غدا."


@pytest.mark.parametrize(
    ("body", "agency"),
    [
        (f"المدينة نيوز :- {LEAD}\n\n{LAST}\n\n--(بترا)", "بترا"),
        (f"عمان - بترا - {LEAD}\n\n{LAST}", "بترا"),
        (f"عمان 24 نيسان (بترا)- {LEAD}\n\n{LAST} (أ.ف.ب)", "بترا"),
        (f"واشنطن (رويترز) - {LEAD}\n\n{LAST} - رويترز", "رويترز"),
        (f"القاهرة - أ ش أ: {LEAD}\n\n{LAST}", "أ ش أ"),
        (f"(أ ف ب) - {LEAD}\n\n{LAST}", "أ ف ب"),
        (f"{LEAD}\n\n{LAST}\n\n(ا ف ب)", "ا ف ب"),
        (f"{LEAD}\n\n{LAST} [واس]", "واس"),
        (f"{LEAD}\n\n{LAST}\n\n— الأناضول", "الأناضول"),
        (f"الدوحة - قنا - {LEAD}\n\n{LAST}\n\n(قنا)", "قنا"),
        (f"{LEAD}\n\n{LAST} (وكالة الأنباء كونا)", "وكالة الأنباء كونا"),
        (f"دمشق - سانا - {LEAD}\n\n{LAST}", "سانا"),
        (f"أبوظبي - وام: {LEAD}\n\n{LAST}", "وام"),
    ],
)
def test_datelines_and_closing_credits_leave_the_body(body: str, agency: str) -> None:
    text, credited = take(body, SITE_KEYS)
    assert text == f"{LEAD}\n\n{LAST}"
    assert credited == agency


@pytest.mark.parametrize(
    "body",
    [
        f"ذكرت وكالة الأنباء الكويتية (كونا) أن الأمير استقبل الوفد.\n\n{LAST}",
        f"{LEAD}\n\nوتابع بحسب ما نقلت رويترز",
        f"{LEAD}\n\nوقال الوزير في مقابلة مع (رويترز)",
        f"وليد - قال إن الوضع مستقر.\n\n{LAST}",
        f"بترا مدينة أثرية في جنوب الأردن.\n\n{LAST}",
    ],
)
def test_agencies_named_in_the_text_stay(body: str) -> None:
    assert take(body, SITE_KEYS) == (body, None)


def test_the_credit_is_the_articles_source_unless_the_page_labels_one() -> None:
    site = SiteConfig(name="madenah", path=Path("madenah.toml"), title="المدينة نيوز")
    paragraphs = "".join(f"<p>{p}</p>" for p in (
        f"المدينة نيوز :- {LEAD} وتابع أن الفرق الطبية تعمل على مدار الساعة في جميع المحافظات.",
        f"{LAST} وأكد أن المستشفيات جاهزة لاستقبال الحالات كافة.", "--(بترا)"))
    page = (f"<html><body><h1>الصحة: الوضع الوبائي مستقر في المملكة</h1>"
            f"<div class='content'>{paragraphs}</div>{{label}}</body></html>")
    art = extract_article(page.format(label=""), "https://madenah.example/article/1-x", site)
    assert art["source"] == "بترا" and art["extraction"]["source"] == "body"
    assert art["body"].startswith(LEAD) and art["body"].endswith("لاستقبال الحالات كافة.")
    labelled = extract_article(page.format(label="<p>المصدر: وكالات</p>"), "https://madenah.example/article/1-x", site)
    assert labelled["source"] == "وكالات" and "بترا" not in labelled["body"]
