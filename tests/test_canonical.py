"""URL canonicalisation per site, and the incremental-crawl decision for a discovered URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import ConfigError, parse_site
from crawler.fetch.incremental import plan
from crawler.storage.history import text_diff
from crawler.urls import canonical_url

ORIGIN = "https://www.alwatan.example"


@pytest.mark.parametrize("variant", [
    "https://www.alwatan.example/news/1",
    "http://alwatan.example/news/1",
    "http://www.alwatan.example:80/news/1",
    "https://amp.alwatan.example/news/1?amp=1",
    "https://ALWATAN.example/news/1?utm_source=x&fbclid=y#top",
    "https://www.alwatan.example/news/1?outputType=amp",
    "https://alwatan.example:443/news/1?ocid=msn&gclid=1",
])
def test_every_spelling_of_a_site_url_is_one_canonical_url(variant: str) -> None:
    assert canonical_url(variant, origin=ORIGIN) == "https://www.alwatan.example/news/1"


def test_other_hosts_and_ports_are_not_rewritten() -> None:
    assert canonical_url("http://sport.alwatan.example/a", origin=ORIGIN) == "http://sport.alwatan.example/a"
    assert canonical_url("http://127.0.0.1:8001/a", origin="http://127.0.0.1:8000") == "http://127.0.0.1:8001/a"
    assert canonical_url("http://other.example/a?amp=yes") == "http://other.example/a?amp=yes"


def test_arabic_paths_compare_equal_raw_or_encoded() -> None:
    raw = canonical_url("https://alwatan.example/أخبار/مصر?b=2&a=1", origin=ORIGIN)
    assert raw == canonical_url("https://www.alwatan.example/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/"
                                "%D9%85%D8%B5%D8%B1?a=1&b=2")


def site(**extra: object):
    return parse_site(Path("x.toml"), {"name": "x", "feeds": ["http://alwatan.example/rss"], **extra})


def test_site_origin_comes_from_config_or_first_entry_point() -> None:
    assert site().canonical_origin == "http://alwatan.example"
    configured = site(canonical_origin="https://www.alwatan.example/")
    assert configured.canonical("http://alwatan.example/n/1?utm_medium=rss") == "https://www.alwatan.example/n/1"
    assert site().recheck_window == 48 * 3600
    assert site(recheck_window="6h").recheck_window == 6 * 3600
    assert site(recheck_window="0").recheck_window == 0
    assert site(drop_duplicates=True).drop_duplicates


@pytest.mark.parametrize(("key", "value"), [
    ("canonical_origin", "www.alwatan.example"), ("canonical_origin", "https://a.example/news"),
    ("recheck_window", "two days"), ("recheck_window", 48), ("drop_duplicates", "yes"),
])
def test_bad_dedup_settings_name_file_and_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError) as err:
        site(**{key: value})
    assert err.value.key == key and "x.toml" in str(err.value)


NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
STORED = {"url": "u", "published": NOW - timedelta(days=5), "fetched_at": NOW - timedelta(days=4),
          "headers": {"etag": '"abc"', "last_modified": "Mon, 05 Jan 2026 12:00:00 GMT"}}


def test_plan_for_unknown_changed_young_and_old_articles() -> None:
    assert plan(None, {}, 48 * 3600, NOW).reason == "new"
    assert plan(STORED, {}, 48 * 3600, NOW).fetch is False
    lastmod = {"lastmod": (NOW - timedelta(days=1)).isoformat()}
    changed = plan(STORED, lastmod, 48 * 3600, NOW)
    assert changed.reason == "changed" and changed.headers["If-None-Match"] == '"abc"'
    # A lastmod older than our copy is not a change.
    assert not plan(STORED, {"lastmod": (NOW - timedelta(days=4, hours=1)).isoformat()}, 0, NOW).fetch
    young = {**STORED, "published": NOW - timedelta(hours=3), "fetched_at": NOW - timedelta(hours=2)}
    recheck = plan(young, {}, 48 * 3600, NOW)
    assert recheck.reason == "recheck"
    assert recheck.headers == {"If-None-Match": '"abc"', "If-Modified-Since": "Mon, 05 Jan 2026 12:00:00 GMT"}
    assert not plan(young, {}, 0, NOW).fetch


def test_text_diff_shows_only_changed_paragraphs() -> None:
    diff = text_diff("أ\n\nب\n\nج", "أ\n\nب معدلة\n\nج\n\nد", "v1", "v2")
    lines = diff.splitlines()
    assert lines[:2] == ["--- v1", "+++ v2"]
    assert "-ب" in lines and "+ب معدلة" in lines and "+د" in lines
    assert "أ" not in " ".join(lines[2:]).replace("@@", "")
