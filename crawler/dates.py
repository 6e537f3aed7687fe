"""Publication dates as printed on Arabic news pages → aware UTC datetimes.

dateparser does the heavy lifting; this module adds what it lacks for our pages:
Arabic-Indic digits, English ordinals ("12th, September 2023"), ص/م for am/pm, DMY order
for numeric dates, the site's zone for dates printed without one, and a result cache
because dateparser costs about a millisecond per call.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import dateparser

from crawler.arabic import ascii_digits

_ORDINAL = re.compile(r"(\d{1,2})(st|nd|rd|th)\b", re.I)
_AM_PM = ((re.compile(r"(\d)\s*ص\b"), r"\1 AM"), (re.compile(r"(\d)\s*م\b"), r"\1 PM"))
_LABEL = re.compile(r"^[^\d:]{0,30}:\s*")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_RELATIVE = re.compile(r"منذ|ago|قبل", re.I)
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def _prepare(text: str) -> str:
    text = ascii_digits(text).strip()
    text = _LABEL.sub("", text) if not _ISO.match(text) else text
    text = _ORDINAL.sub(r"\1", text)
    for pattern, repl in _AM_PM:
        text = pattern.sub(repl, text)
    return text.replace("،", " ").replace(" GMT", " UTC").strip()


@lru_cache(maxsize=4096)
def _parse_absolute(text: str, timezone: str) -> datetime | None:
    if _ISO.match(text):
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
    else:
        parsed = None
    if parsed is None:
        parsed = dateparser.parse(
            text,
            languages=["ar", "en", "fr"],
            settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first",
                      "TIMEZONE": timezone, "TO_TIMEZONE": "UTC",
                      "RETURN_AS_TIMEZONE_AWARE": True,
                      "REQUIRE_PARTS": ["day", "month", "year"]},
        )
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed.astimezone(UTC)


def parse_date(raw: str | None, timezone: str = "UTC", now: datetime | None = None) -> datetime | None:
    """A page's date string → aware UTC datetime; None when it cannot be read or is absurd
    (before 1990 — a Hijri year read as Gregorian — or more than a day in the future)."""
    if not raw or not raw.strip():
        return None
    text = _prepare(raw)
    now = now or datetime.now(UTC)
    if _RELATIVE.search(text):
        parsed = dateparser.parse(
            text, languages=["ar", "en"],
            settings={"RELATIVE_BASE": now.astimezone(UTC).replace(tzinfo=None),
                      "RETURN_AS_TIMEZONE_AWARE": False},
        )
        result = parsed.replace(tzinfo=UTC) if parsed else None
    else:
        result = _parse_absolute(text, timezone)
    if result is None or result < _EARLIEST or result > now + timedelta(days=1):
        return None
    return result
