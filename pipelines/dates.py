"""Stage 3 — dates: printed dates become aware UTC datetimes.

When the page gives no readable date, the feed's or sitemap's date for the URL is used; so is
it when the page prints only the day and the feed gives the time of that same day (when
they disagree on the day, the page wins). The layer that supplied it is recorded like every
other field's.
"""

from __future__ import annotations

from crawler.dates import has_time_of_day, parse_date, refines
from crawler.items import Article
from crawler.stats import parse_failures
from pipelines.base import Stage


class DatesPipeline(Stage):
    def process_item(self, item: Article) -> Article:
        site = self.site(item)
        tz = site.timezone if site else "UTC"
        now = item.get("fetched_at")
        hints = item.get("hints") or {}
        layers = item.setdefault("extraction", {})
        for field, hint in (("published", "published"), ("modified", "lastmod")):
            raw = item.get(f"{field}_raw")
            value = parse_date(raw, tz, now)
            if value is None and raw:
                # Unreadable or absurd (a Hijri year read as Gregorian, a future date).
                self.error("bad_date", f"{item.get('url')}: {field} {str(raw)[:80]!r}")
            told = parse_date(hints[hint], tz, now) if hints.get(hint) else None
            if told is not None and (value is None or (
                    not has_time_of_day(raw) and has_time_of_day(hints[hint]) and refines(value, told))):
                value = told
                layers[field] = "feed"
            if value is not None:
                item[field] = value
            elif field == "published":
                self.inc(parse_failures("published"))
                if not raw:  # extraction already set aside what it found absurd or unreadable
                    self.error("no_date", f"{item.get('url')}: no usable publication date")
        return item
