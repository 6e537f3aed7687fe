"""Printed Arabic dates → aware UTC datetimes (crawler.dates.parse_date)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.dates import has_time_of_day, parse_date

NOW = datetime(2024, 5, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        # The seed's publication line: English ordinal, GMT.
        ("تاريخ النشر: 12th, September 2023 GMT", "Asia/Dubai", "2023-09-12T00:00:00+00:00"),
        # Egyptian month names, ص/م, the site's zone when the page gives none.
        ("الأحد، 23 أغسطس 2020 09:14 ص", "Africa/Cairo", "2020-08-23T07:14:00+00:00"),
        ("السبت، 11 مايو 2024 11:25 م", "Africa/Cairo", "2024-05-11T20:25:00+00:00"),
        ("1 يوليه 2021", "Africa/Cairo", "2021-06-30T22:00:00+00:00"),
        # Levantine month names, alone and doubled with the Egyptian one, مساءً.
        ("3 كانون الثاني 2024 - 10:15 ص", "Asia/Beirut", "2024-01-03T08:15:00+00:00"),
        ("تم نشره الجمعة 24 نيسان / أبريل 2020 09:22 مساءً", "Asia/Amman", "2020-04-24T18:22:00+00:00"),
        ("26 فبراير/ شباط 2024", "UTC", "2024-02-26T00:00:00+00:00"),
        ("السبت 12 تشرين الأول 2019 - 11:30 GMT+3", "UTC", "2019-10-12T08:30:00+00:00"),
        ("الأربعاء، 28 آب/اغسطس 2013، آخر تحديث 14:00 (GMT+0400)", "UTC", "2013-08-28T10:00:00+00:00"),
        # Maghrebi (Tunisian/Algerian) and Moroccan month names.
        ("الجمعة 8 فيفري 2019", "Africa/Tunis", "2019-02-07T23:00:00+00:00"),
        ("15 جويلية 2022", "Africa/Algiers", "2022-07-14T23:00:00+00:00"),
        ("15 غشت 2022", "Africa/Casablanca", "2022-08-14T23:00:00+00:00"),
        ("3 دجنبر 2021", "UTC", "2021-12-03T00:00:00+00:00"),
        # Arabic-Indic and Persian digits.
        ("٢٤ كانون الثاني ٢٠٢٤ ١٠:٣٠ ص", "UTC", "2024-01-24T10:30:00+00:00"),
        ("۱۲/۰۹/۲۰۲۳", "UTC", "2023-09-12T00:00:00+00:00"),
        # Numeric dates are day first.
        ("12/09/2023", "UTC", "2023-09-12T00:00:00+00:00"),
        ("الاثنين 7 / 10 / 2019 21:14", "Asia/Riyadh", "2019-10-07T18:14:00+00:00"),
        ("2020/06/03 14:05", "Asia/Dubai", "2020-06-03T10:05:00+00:00"),
        # Machine dates keep their own offset; naive ones take the site's zone.
        ("2019-02-08T00:00:00+01:00", "Asia/Tokyo", "2019-02-07T23:00:00+00:00"),
        ("2024-03-03T13:52:13.299Z", "UTC", "2024-03-03T13:52:13.299000+00:00"),
        ("2020-06-03T02:01:00", "Asia/Dubai", "2020-06-02T22:01:00+00:00"),
    ],
)
def test_printed_dates(text: str, tz: str, expected: str) -> None:
    parsed = parse_date(text, tz, NOW)
    assert parsed is not None and parsed.tzinfo is not None
    assert parsed.isoformat() == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("منذ ساعتين", "2024-05-21T10:00:00+00:00"),
        ("منذ 3 ساعات", "2024-05-21T09:00:00+00:00"),
        ("قبل 5 دقائق", "2024-05-21T11:55:00+00:00"),
        ("منذ يومين", "2024-05-19T12:00:00+00:00"),
        ("منذ ساعة", "2024-05-21T11:00:00+00:00"),
        ("آخر تحديث: منذ ٤ ساعات", "2024-05-21T08:00:00+00:00"),
        ("3 hours ago", "2024-05-21T09:00:00+00:00"),
        ("أمس 10:30 م", "2024-05-20T19:30:00+00:00"),  # Cairo is UTC+3 in May 2024
        ("اليوم 09:15 ص", "2024-05-21T06:15:00+00:00"),
    ],
)
def test_relative_dates_count_back_from_fetch_time(text: str, expected: str) -> None:
    assert parse_date(text, "Africa/Cairo", NOW).isoformat() == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "غير معروف", "15 رمضان 1445", "1 January 1900", "1 January 2030", "x" * 500],
)
def test_unreadable_or_absurd_dates_give_none(text: str) -> None:
    assert parse_date(text, "UTC", NOW) is None


def test_dateparser_fallback_still_reads_other_shapes() -> None:
    assert parse_date("September 12, 2023 10:00", "UTC", NOW).isoformat() == "2023-09-12T10:00:00+00:00"


@pytest.mark.parametrize(
    ("text", "timed"),
    [
        ("12th, September 2023 GMT", False), ("الأحد 15 جانفي 2023", False), ("2023-09-12", False),
        ("12/09/2023", False), ("", False), (None, False),
        ("2023-09-12T04:00:00Z", True), ("Tue, 12 Sep 2023 04:00:00 +0000", True),
        ("الجمعة 24 نيسان / أبريل 2020 09:22 مساءً", True), ("٢٤ أبريل ٢٠٢٠ ٠٩:٢٢ م", True),
        ("منذ ساعتين", True),
    ],
)
def test_a_date_that_prints_only_the_day_is_told_apart(text: str | None, timed: bool) -> None:
    """What lets a feed's time of day refine a page that prints only the day (issue 13.3)."""
    assert has_time_of_day(text) is timed
