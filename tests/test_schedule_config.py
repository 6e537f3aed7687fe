"""Schedule-related site config keys: max_duration and cron weekdays."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.config import ConfigError, parse_site
from crawler.schedule import cron_trigger

BASE = {"name": "demo", "feeds": ["https://example.com/rss"]}


@pytest.mark.parametrize(("value", "seconds"), [(None, 3600), ("90s", 90), ("30m", 1800), (120, 120)])
def test_max_duration(value: object, seconds: int) -> None:
    data = BASE if value is None else {**BASE, "max_duration": value}
    assert parse_site(Path("demo.toml"), data).max_duration == seconds


@pytest.mark.parametrize("value", ["0s", "soon", -5, True, 1.5])
def test_bad_max_duration_names_file_key_and_reason(value: object) -> None:
    with pytest.raises(ConfigError) as err:
        parse_site(Path("demo.toml"), {**BASE, "max_duration": value})
    assert err.value.key == "max_duration" and "duration" in err.value.reason


@pytest.mark.parametrize(("expr", "weekday"), [
    ("0 9 * * 1", "Mon"), ("0 9 * * 0", "Sun"), ("0 9 * * 7", "Sun"), ("0 9 * * 5-6", "Fri"), ("0 9 * * sat", "Sat"),
])
def test_cron_weekdays_follow_crontab(expr: str, weekday: str) -> None:
    # APScheduler 3 alone would read 1 as Tuesday; a Rasd user writes crontab.
    after = datetime(2026, 11, 29, 10, tzinfo=UTC)  # a Sunday, after 09:00
    fire = cron_trigger(expr, "UTC").get_next_fire_time(None, after)
    assert fire.strftime("%a %H:%M") == f"{weekday} 09:00"
