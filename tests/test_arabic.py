"""Normalisation keys for matching, dedup and search; script language flags."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crawler.arabic import ascii_digits, dedupe_keep_first, normalise, script_language


def test_spelling_variants_share_one_key() -> None:
    assert normalise("إقرأ أيضاً") == normalise("اقرأ ايضا") == normalise("أقـــرأ أيضًا")
    assert normalise("كوريا الشمالية") == normalise("کوریا الشمالیة")
    assert normalise("مستشفى") == normalise("مستشفي")
    assert normalise("٢٠٢٣") == "2023" == normalise("۲۰۲۳")
    assert normalise("  News   Today ") == "news today"


def test_tags_deduplicated_on_normalised_form_first_spelling_kept() -> None:
    assert dedupe_keep_first(["بوتين", "كوريا الشمالية", "روسيا", "کوریا الشمالیة", "بوتين"]) == [
        "بوتين", "كوريا الشمالية", "روسيا"]


def test_ascii_digits_keeps_letters() -> None:
    assert ascii_digits("٢٤ أبريل ٢٠٢٤، ٠٩:٣٠") == "24 أبريل 2024, 09:30"


def test_script_language() -> None:
    arabic = "قالت صحيفة واشنطن بوست الأمريكية إن الزيارة من المتوقع أن يكون التركيز الأساسي فيها"
    persian = "سخنگوی وزارت نفت روز شنبه اعلام کرد که قیمت بنزین از هفته آینده افزایش پیدا می‌کند"
    urdu = "وزیر اعظم نے کہا ہے کہ حکومت عوام کو ریلیف دینے کے لیے ہر ممکن اقدامات کرے گی"
    assert script_language(arabic) == "ar"
    assert script_language(persian) == "fa"
    assert script_language(urdu) == "ur"
    assert script_language("An English sentence only.") is None


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)
