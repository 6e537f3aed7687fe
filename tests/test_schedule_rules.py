"""The Schedule value owns the schedule rules the config, site health and the scheduler
share: parsing and validation, the period, jitter, triggers and due checks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config import ConfigError, parse_site
from crawler.schedule import Schedule

BASE = {"name": "demo", "feeds": ["https://example.com/rss"]}


def test_an_interval_schedule() -> None:
    every = Schedule("2h")
    assert (every.seconds, every.period(), every.jitter()) == (7200, 7200.0, 60.0)
    assert Schedule("5m").jitter() == 30.0  # a tenth of the period below the one-minute cap
    assert every.describe() == "every 2h"
    start = datetime(2026, 12, 1, 8, tzinfo=UTC)
    trigger = every.trigger(start)
    assert isinstance(trigger, IntervalTrigger) and trigger.interval == timedelta(hours=2)
    assert not every.is_due(start, start + timedelta(minutes=90))
    assert every.is_due(start, start + timedelta(minutes=90), share=0.5)
    assert every.is_due(None, start)


def test_a_cron_schedule_reads_hours_in_the_sites_time_zone() -> None:
    daily = Schedule("0 9 * * *", "Africa/Cairo")
    assert daily.seconds is None and daily.period() == 86400.0 and daily.jitter() == 60.0
    assert daily.describe() == "cron '0 9 * * *' (Africa/Cairo)"
    trigger = daily.trigger(datetime(2026, 12, 1, tzinfo=UTC))
    assert isinstance(trigger, CronTrigger)
    fire = daily._cron().get_next_fire_time(None, datetime(2026, 12, 1, 0, tzinfo=UTC))
    assert fire.astimezone(UTC).hour == 7  # 09:00 in Cairo (UTC+2 in December)
    ran = datetime(2026, 12, 1, 7, tzinfo=UTC)
    assert not daily.is_due(ran, ran + timedelta(hours=12))
    assert daily.is_due(ran, ran + timedelta(hours=24, minutes=5))


@pytest.mark.parametrize(("text", "reason"), [
    ("0m", "interval must be greater than zero"),
    ("soon", "'soon' is neither an interval (30s, 15m, 2h, 1d) nor a 5-field cron expression"),
    ("61 * * * *", "invalid cron expression '61 * * * *'"),
])
def test_a_bad_schedule_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        Schedule(text).validate()
    with pytest.raises(ConfigError) as err:
        parse_site(Path("demo.toml"), {**BASE, "schedule": text})
    assert err.value.key == "schedule" and reason in err.value.reason


def test_a_site_config_hands_out_its_schedule() -> None:
    site = parse_site(Path("demo.toml"), {**BASE, "schedule": "30 6 * * 1", "timezone": "Asia/Riyadh"})
    assert site.crawl_schedule == Schedule("30 6 * * 1", "Asia/Riyadh")
    assert site.schedule_seconds() is None and site.crawl_schedule.period() == 7 * 86400.0
