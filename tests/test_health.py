"""Site health verdicts from run records, and the alert transitions built on them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from crawler.config import parse_site
from crawler.ops.alerts import record_health, redact_url
from crawler.ops.health import DEGRADED, FAILING, HEALTHY, assess
from crawler.storage.store import Store, utcnow

SITE = parse_site(Path("demo.toml"), {"name": "demo", "feeds": ["https://example.com/rss"], "schedule": "15m"})


def run(status: str = "ok", minutes_ago: float = 0, new: int = 3, fetched: int = 3, unchanged: int = 0,
        failures: dict[str, int] | None = None, **extra: Any) -> dict[str, Any]:
    started = utcnow() - timedelta(minutes=minutes_ago)
    return {"site": "demo", "status": status, "started": started, "finished": started + timedelta(seconds=5),
            "duration": 5.0, "fetched": fetched, "articles": {"new": new, "updated": 0, "unchanged": unchanged,
                                                              "duplicate": 0},
            "parse_failures": failures or {}, **extra}


def test_recent_successful_runs_are_healthy() -> None:
    h = assess(SITE, [run(minutes_ago=1), run(minutes_ago=16)], articles_24h=6, newest_article=utcnow())
    assert (h.state, h.consecutive_failures, h.zero_article_runs) == (HEALTHY, 0, 0)
    assert h.reason == "last run ok: 3 new, 0 updated, 0 unchanged"


def test_failures_in_a_row_degrade_then_fail_with_the_error_in_words() -> None:
    refused = run("failed", new=0, fetched=0, error_samples=["https://example.com/rss: Connection refused"])
    older_ok = run(minutes_ago=60)
    h = assess(SITE, [refused, older_ok], 0)
    assert h.state == DEGRADED and h.reason == "last run failed: https://example.com/rss: Connection refused"
    h = assess(SITE, [refused, refused, refused, older_ok], 0)
    assert h.state == FAILING and h.consecutive_failures == 3
    assert h.reason.startswith("last 3 runs failed: ") and "Connection refused" in h.reason


def test_interrupted_runs_say_nothing_about_the_site() -> None:
    h = assess(SITE, [run("interrupted", new=0), run("failed", new=0), run()], 0)
    assert h.state == DEGRADED and h.consecutive_failures == 1 and h.last_status == "interrupted"


def test_runs_without_articles_point_at_a_redesign() -> None:
    empty = run(new=0, fetched=0)
    assert assess(SITE, [empty, run()], 0).state == DEGRADED
    h = assess(SITE, [empty, empty, empty, run()], 0)
    assert h.state == FAILING and h.zero_article_runs == 3 and "no articles" in h.reason


def test_timeouts_and_parse_failures_are_named() -> None:
    h = assess(SITE, [run("timeout", duration=3600.0, new=0)], 0)
    assert "timed out after 1h" in h.reason
    h = assess(SITE, [run(fetched=10, failures={"body": 4, "title": 1})], 0)
    assert h.state == DEGRADED and h.parse_failure_rate == 0.4 and "40%" in h.reason


def test_never_crawled_stalled_and_quiet_sites_are_not_healthy() -> None:
    assert assess(SITE, [], 0).reason == "never crawled"
    h = assess(SITE, [run(minutes_ago=6 * 60)], 0, newest_article=utcnow())  # stale after 1h45m
    assert h.state == DEGRADED and "is the scheduler running?" in h.reason
    h = assess(SITE, [run(new=0, unchanged=5)], 0, newest_article=utcnow() - timedelta(days=3))
    assert h.state == DEGRADED and h.reason == "no new article for 3d (schedule 15m)"


def test_webhook_urls_are_logged_without_secrets() -> None:
    assert redact_url("https://user:pw@hooks.example.com:8443/services/T0/B0/SECRET?token=x") == \
        "https://hooks.example.com:8443/…"


def test_alerts_fire_once_per_transition_and_retry_when_undelivered(tmp_path: Path, receiver: Any) -> None:
    url, bodies, auth = receiver
    with Store(str(tmp_path / "rasd.db")) as store:
        store.insert_run(run(minutes_ago=10))
        store.save_article({"url": "https://example.com/news/1", "site": "demo", "fingerprint": "f"})
        assert record_health(store, SITE, url).state == HEALTHY
        for minutes in (3, 2, 1):
            store.insert_run(run("failed", minutes_ago=minutes, new=0, fetched=0))
            record_health(store, SITE, url)
        store.insert_run(run("failed", new=0, fetched=0))
        assert record_health(store, SITE, url).state == FAILING
        assert [b["event"] for b in bodies] == ["failing"]
        assert auth == ["Basic cmFzZDpwdw=="]  # user:password in the URL became Basic auth

        store.insert_run(run())
        dead_url = "http://127.0.0.1:9/hook"  # nothing listens: the alert stays pending
        assert record_health(store, SITE, dead_url).state == HEALTHY
        assert store.get_site_health("demo")["pending_alert"]["event"] == "recovered"
        record_health(store, SITE, url)
        assert [b["event"] for b in bodies] == ["failing", "recovered"]
        assert store.get_site_health("demo")["pending_alert"] is None
