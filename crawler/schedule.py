"""A site's crawl schedule, and every rule about it in one place.

A schedule is an interval (``30s``, ``15m``, ``2h``, ``1d``) or a 5-field crontab expression
read in the site's time zone. The site config validates it by parsing it, the scheduler
builds its APScheduler triggers and due checks from it, and site health measures
staleness in its periods: each asks this value rather than reading the text itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

_INTERVAL = re.compile(r"^(\d+)\s*([smhd])$")
_INTERVAL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_JITTER = 60.0  # seconds; a run starts up to a tenth of its period late, at most this


def interval_seconds(text: str) -> int | None:
    """Seconds in an interval such as 30s, 15m, 2h or 1d; None when it is not one."""
    m = _INTERVAL.match(text)
    return int(m.group(1)) * _INTERVAL_UNITS[m.group(2)] if m else None


def cron_trigger(expr: str, timezone: ZoneInfo | str | None = None, jitter: float | None = None) -> CronTrigger:
    """An APScheduler 3 CronTrigger with crontab's weekday numbers (0 and 7 = Sunday).

    APScheduler 3 counts weekdays from Monday = 0, so ``0 9 * * 1`` would fire on Tuesdays;
    day numbers are turned into names, which both agree on."""
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, weekday = expr.split()
    weekday = re.sub(r"(?<![/\d])([0-7])(?!\d)", lambda m: _CRON_WEEKDAYS[int(m.group(1))], weekday)
    if weekday == "sun-sat":
        weekday = "*"
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=weekday,
                       timezone=timezone, jitter=jitter)


@dataclass(frozen=True)
class Schedule:
    text: str                 # as the site config wrote it
    timezone: str = "UTC"     # what a cron expression's hours mean

    def validate(self) -> None:
        """Raise ValueError saying why the text is neither a positive interval nor a valid
        5-field cron expression."""
        m = _INTERVAL.match(self.text)
        if m:
            if int(m.group(1)) == 0:
                raise ValueError("interval must be greater than zero")
            return
        if len(self.text.split()) != 5:
            raise ValueError(f"{self.text!r} is neither an interval (30s, 15m, 2h, 1d) "
                             "nor a 5-field cron expression")
        try:
            trigger = cron_trigger(self.text, UTC)
        except ValueError as exc:
            raise ValueError(f"invalid cron expression {self.text!r}: {exc}") from exc
        if trigger.get_next_fire_time(None, datetime.now(UTC)) is None:
            raise ValueError(f"cron expression {self.text!r} never fires (no such date)")

    @property
    def seconds(self) -> int | None:
        """Interval length in seconds, or None when the schedule is a cron expression."""
        return interval_seconds(self.text)

    def _cron(self, jitter: float | None = None) -> CronTrigger:
        return cron_trigger(self.text, ZoneInfo(self.timezone), jitter)

    def period(self) -> float:
        """Seconds between two runs: the interval, or the gap between a cron's next two times."""
        if self.seconds is not None:
            return float(self.seconds)
        trigger = self._cron()
        first = trigger.get_next_fire_time(None, datetime.now(UTC))
        second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
        return (second - first).total_seconds() if first and second else 86400.0

    def jitter(self) -> float:
        """A tenth of the period, at most a minute: spreads sites that share a schedule."""
        return min(self.period() / 10, MAX_JITTER)

    def trigger(self, start: datetime) -> IntervalTrigger | CronTrigger:
        """The APScheduler trigger; an interval counts from ``start``."""
        if self.seconds is not None:
            from apscheduler.triggers.interval import IntervalTrigger

            return IntervalTrigger(seconds=self.seconds, start_date=start, jitter=self.jitter())
        return self._cron(self.jitter())

    def is_due(self, last_started: datetime | None, now: datetime, share: float = 1.0) -> bool:
        """Whether the last run is older than ``share`` of the period (for cron: whether a
        fire time has passed since it). Used after a restart (run once right away, not once
        per missed slot) and before each run (another scheduler may just have run it)."""
        if last_started is None:
            return True
        if self.seconds is not None:
            return (now - last_started).total_seconds() >= self.seconds * share
        slack = timedelta(seconds=self.jitter())
        next_fire = self._cron().get_next_fire_time(None, last_started + slack)
        return next_fire is not None and next_fire <= now + slack

    def describe(self) -> str:
        return f"every {self.text}" if self.seconds else f"cron '{self.text}' ({self.timezone})"
