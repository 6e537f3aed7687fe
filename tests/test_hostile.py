"""Attacks of a hostile site, a broken disk and a careless operator (issue 14), each through
the real CLI where a user would meet it: a crafted spool, crafted site configs, the hostile
local site of tests/badsite.py, a tiny tmpfs standing for a full disk, a crawl killed -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bson import ObjectId

from crawler.config import compile_regex
from crawler.controls import printable
from crawler.rasdconfig import resolve_config
from crawler.storage.spool import RUN, Spool, encode
from crawler.storage.store import Store
from tests.badsite import CONTROL_REFS, HUGE, TERMINAL_TITLE, HostileSite
from tests.conftest import FAST, run_rasd, write_site
from tests.faults import SlowSite, start_rasd, stored_docs, stored_urls, wait_for
from tests.localsite import NewsSite, SiteServer

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def article(i: int) -> dict:
    return {"url": f"https://example.com/news/{i}", "site": "ex", "title": f"خبر {i}",
            "body": f"نص الخبر رقم {i} " * 20, "fingerprint": f"f{i}"}


def hostile_lines() -> list[bytes]:
    """Spool lines that once stopped every crawl on the database: a run record whose $oid
    has a 'z' in it, a $date out of range, JSON nested 100k deep — and an article the
    database rejects (no URL)."""
    run = encode({"_id": ObjectId("64ff00000000000000000000"), "set": {"status": "ok"}}, NOW, RUN)
    bad_oid = run.replace(b"64ff00000000000000000000", b"64ff0000000000000000000z")
    bad_date = encode(article(90), NOW).replace(b'{"$date": "2024-05-01T00:00:00Z"}',
                                                 b'{"$date": {"$numberLong": "999999999999999999"}}')
    assert bad_oid != run and b"999999999999999999" in bad_date
    deep = b'{"at": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    return [bad_oid, bad_date, deep, encode({"title": "بلا رابط"}, NOW)]


def write_segment(spool: Path, lines: list[bytes]) -> None:
    spool.mkdir(parents=True, exist_ok=True)
    (spool / f"{time.time_ns():020d}-1-abcdef.jsonl").write_bytes(b"".join(lines))


# --- 1: one corrupt spool line ----------------------------------------------------------------

def test_undecodable_and_rejected_spool_records_are_quarantined(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    env = {"RASD_DB": str(tmp_path / "store" / "rasd.db"), "RASD_SPOOL": str(spool),
           "RASD_SITES": str(tmp_path / "sites")}
    (tmp_path / "sites").mkdir()
    write_segment(spool, [encode(article(1), NOW), *hostile_lines(), encode(article(2), NOW)])

    shown = run_rasd("spool", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "3 corrupt" in shown.stdout and "waiting: 3 article(s)" in shown.stdout

    replay = run_rasd("spool", "--replay", env=env)
    assert replay.returncode == 0, replay.stderr
    assert "replayed 2 article(s)" in replay.stdout  # the rejected one is not counted as replayed
    assert "quarantined 3 corrupt and 1 rejected record(s)" in replay.stdout
    assert sorted(stored_urls(tmp_path / "store" / "rasd.db")) == [article(1)["url"], article(2)["url"]]

    after = json.loads(run_rasd("spool", "--format", "json", env=env, check=True).stdout)
    assert (after["waiting"], after["quarantined"], after["segments"]) == (0, 4, [])
    kept = b"".join(p.read_bytes() for p in (spool / "quarantine").glob("*.jsonl"))
    assert kept.count(b"\n") == 4 and b"64ff0000000000000000000z" in kept  # kept byte for byte
    assert "quarantined: 4 record(s)" in run_rasd("spool", env=env, check=True).stdout


def test_a_crawl_goes_on_past_a_corrupt_spool(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    db = tmp_path / "store" / "rasd.db"
    env = {"RASD_DB": str(db), "RASD_SPOOL": str(spool), "RASD_SITES": str(tmp_path / "sites")}
    write_segment(spool, hostile_lines())
    with SiteServer(NewsSite(n=3)) as server:
        write_site(tmp_path / "sites", "local", server.url)
        proc = run_rasd("crawl", "local", *FAST, env=env)
    assert proc.returncode == 0, proc.stderr
    assert len(stored_urls(db)) == 3 and Spool(spool).quarantined() == 4


# --- minor: no empty segment after a full disk -------------------------------------------------

@pytest.fixture
def full_disk(tmp_path: Path):
    """A 64 KiB tmpfs, filled up: a real ENOSPC (needs root and mount, else skipped)."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                                           capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (mnt / "spool").mkdir()
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_no_empty_spool_segment_is_left_after_a_full_disk(full_disk: Path) -> None:
    spool = Spool(full_disk / "spool")
    with pytest.raises(OSError):
        spool.append(article(1), NOW)
    # What a process killed right after the failure leaves behind:
    assert list((full_disk / "spool").glob("*.jsonl")) == []
    spool.close()


# --- 5, 7, 8: config that must be refused, naming file and key ---------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
BAD_CONFIGS = {
    "cron-never-fires": ('schedule = "0 0 31 2 *"', "schedule", "never fires"),
    "not-utf8": ('title = "\udcff\udcfe عنوان"', "title", "not UTF-8"),
    "deep-array": (f"article_urls = {DEEP}", "article_urls", "nested too deeply"),
    "huge-repeat": ("article_urls = ['a{4294967296}']", "article_urls", "repetition"),
    "lookahead": ("follow = ['/page/(?=[0-9])']", "follow", "RE2"),
    "xpath-regex": ("[selectors]\ntitle = \"//h1[re:test(., '(a+)+$')]\"", "selectors.title", "backtracking"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_a_config_error_naming_file_and_key(tmp_path: Path, case: str) -> None:
    line, key, why = BAD_CONFIGS[case]
    sites = tmp_path / "sites"
    sites.mkdir()
    text = f'name = "bad"\nstart_urls = ["https://example.com/"]\n{line}\n'
    (sites / "bad.toml").write_bytes(text.encode("utf-8", "surrogateescape"))
    proc = run_rasd("sites", env={"RASD_SITES": str(sites), "RASD_DB": str(tmp_path / "db")})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"bad.toml: key '{key}'" in proc.stderr and why in proc.stderr, proc.stderr


def test_unrelated_bad_file_does_not_break_reading_an_article(tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "broken.toml").write_bytes(b'name = "broken"\ntitle = "\xff"\n')
    db = tmp_path / "store" / "rasd.db"
    with Store(str(db)) as store:
        store.save_article({**article(1), "site": "ex"}, NOW)
    proc = run_rasd("article", article(1)["url"], env={"RASD_SITES": str(sites), "RASD_DB": str(db)})
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "broken.toml: key 'title': not UTF-8" in proc.stderr and "خبر 1" in proc.stdout


def test_site_regexes_run_in_linear_time() -> None:
    pattern = compile_regex("(a+)+$")
    assert pattern.search("a" * 34) and not pattern.search("a" * 100_000 + "!")  # instant on RE2
    assert compile_regex(r"/[\u0600-\u06FF]+/\d{4,}").search("/خبر/12345")  # Python's \u escapes work


@pytest.mark.slow
def test_a_backtracking_pattern_cannot_hang_a_crawl(tmp_path: Path) -> None:
    """`(a+)+$` against a link of 34 a's and a '!' took Python's re hours; the crawl must end."""
    site = HostileSite(n=3)
    db = tmp_path / "store" / "rasd.db"
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "redos", server.url, start_urls=[f"{server.url}/redos"], feeds=[],
                   sitemaps=[], article_urls=["(a+)+$", r"/news/\d+"])
        proc = run_rasd("crawl", "redos", *FAST, env={"RASD_DB": str(db), "RASD_SITES": str(tmp_path / "sites")},
                        timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert any("/news/1/" in u for u in stored_urls(db))


# --- 6: a bad file dropped beside other sites ---------------------------------------------------

def test_a_broken_file_of_another_site_fails_no_crawl(tmp_path: Path) -> None:
    db = tmp_path / "store" / "rasd.db"
    env = {"RASD_DB": str(db), "RASD_SITES": str(tmp_path / "sites")}
    with SiteServer(NewsSite(n=3)) as server:
        write_site(tmp_path / "sites", "one", server.url)
        (tmp_path / "sites" / "three.toml").write_text("name = 'three'\nschedule = [[[\n")
        manual = run_rasd("crawl", "one", *FAST, env=env)
        scheduled = run_rasd("crawl", "one", *FAST, "--trigger", "schedule", env=env)
    assert manual.returncode == 0, manual.stderr
    assert "three.toml" in manual.stderr and "left out" in manual.stderr  # said once, as a warning
    assert scheduled.returncode == 0, scheduled.stderr
    assert "three.toml" not in scheduled.stderr  # the scheduler reports it, once, not every crawl
    assert len(stored_urls(db)) == 3


def test_the_scheduler_reports_a_broken_file_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from crawler.config import load_sites
    from crawler.ops.scheduler import CrawlScheduler, Options

    write_site(tmp_path / "sites", "one", "http://127.0.0.1:9")
    (tmp_path / "sites" / "three.toml").write_text("name = 'three'\nschedule = [[[\n")
    sites = load_sites([tmp_path / "sites"], need=["one"])
    config = resolve_config(db=str(tmp_path / "db"), sites=[tmp_path / "sites"], environ={})
    scheduler = CrawlScheduler(list(sites.values()), Options(config=config))
    scheduler.config_check_interval = 0  # look at the files at every crawl
    with caplog.at_level("ERROR", logger="rasd.schedule"):
        scheduler._report_config_problems()
        scheduler._report_config_problems()
    problems = [r for r in caplog.records if "three.toml" in r.getMessage()]
    assert len(problems) == 1 and "config problem" in problems[0].getMessage()


# --- 12: the database URI in the scheduler's children ---------------------------------------------

def test_scheduled_crawls_get_the_database_uri_outside_argv(tmp_path: Path) -> None:
    from crawler.config import load_sites
    from crawler.ops.scheduler import CrawlScheduler, Options

    write_site(tmp_path / "sites", "one", "http://127.0.0.1:9")
    site = load_sites([tmp_path / "sites"], need=["one"])["one"]
    uri = "mongodb://rasd:S3cr%3Et'\"@db.example:27017/rasd?tlsCertificateKeyFilePassword=K3y"
    command = CrawlScheduler([site], Options(config=resolve_config(db=uri, environ={})))._command(site, ObjectId())
    assert not any("S3cr" in part or "K3y" in part or "db.example" in part for part in command)


# --- 2, 13: control characters in pages, titles and terminals ----------------------------------

@pytest.mark.slow
def test_control_characters_lose_no_article_and_never_reach_a_terminal(tmp_path: Path) -> None:
    site = HostileSite(n=3)
    db = tmp_path / "store" / "rasd.db"
    env = {"RASD_DB": str(db), "RASD_SITES": str(tmp_path / "sites")}
    with SiteServer(site) as server:
        extra = [f"/news/{n}/x" for n in [*CONTROL_REFS, 945]] + ["/news/936/script-only"]
        site.extra_links = extra
        write_site(tmp_path / "sites", "hostile", server.url, feeds=[], sitemaps=[])
        proc = run_rasd("crawl", "hostile", *FAST, env=env)
    assert proc.returncode == 0, proc.stderr
    docs = {int(d["url"].split("/news/")[1].split("/")[0]): d for d in stored_docs(db)}
    assert set(CONTROL_REFS) <= set(docs), sorted(docs)  # the &#11; story is stored, not "no_text"
    title = docs[945]["title"]
    assert "عنوان خبيث" in title and not any(c in title for c in "\x1b\x07\u202e")
    assert all("\u202e" not in a for a in docs[945].get("authors") or [])
    assert "<html" not in proc.stderr.lower() and "<!doctype" not in proc.stderr.lower()  # no page dumped

    listing = run_rasd("articles", env=env, check=True).stdout
    shown = run_rasd("article", docs[945]["url"], env=env, check=True).stdout
    assert "\x1b" not in listing + shown and "\u202e" not in listing + shown


def test_human_output_escapes_what_a_terminal_would_interpret(tmp_path: Path) -> None:
    """Articles stored before titles were cleaned still print harmlessly."""
    db = tmp_path / "store" / "rasd.db"
    with Store(str(db)) as store:
        store.save_article({**article(1), "title": TERMINAL_TITLE}, NOW)
    env = {"RASD_DB": str(db), "RASD_SITES": str(tmp_path)}
    listing = run_rasd("articles", env=env, check=True).stdout
    shown = run_rasd("article", article(1)["url"], env=env, check=True).stdout
    as_json = json.loads(run_rasd("articles", "--format", "json", env=env, check=True).stdout)
    for out in (listing, shown):
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
        assert "\\x1b]0;PWNED\\x07" in out and "\\u202e" in out
    assert as_json[0]["title"] == TERMINAL_TITLE  # machine formats keep the stored text
    assert printable("سطر\tأول\nسطر\u200cثان") == "سطر\tأول\nسطر\u200cثان"  # Arabic marks kept


# --- 9, 10: bounded work --------------------------------------------------------------------------

@pytest.mark.slow
def test_huge_listings_feeds_and_sitemap_chains_are_bounded(tmp_path: Path) -> None:
    site = HostileSite(n=3)
    db = tmp_path / "store" / "rasd.db"
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "huge", server.url, start_urls=[f"{server.url}/huge"],
                   feeds=[f"{server.url}/huge.xml"],
                   sitemaps=[f"{server.url}/sitemaps/chain-0.xml", f"{server.url}/sitemaps/wide.xml"])
        proc = run_rasd("crawl", "huge", *FAST, "-s", "RASD_MAX_LINKS_PER_PAGE=40", "-s", "RASD_MAX_REQUESTS=100",
                        "-s", "RASD_SITEMAP_MAX_COUNT=10", "--stats-file", str(tmp_path / "stats.jsonl"),
                        env={"RASD_DB": str(db), "RASD_SITES": str(tmp_path / "sites")}, timeout=240)
        hits = list(server.hits)
    assert proc.returncode == 0, proc.stderr
    stats = json.loads((tmp_path / "stats.jsonl").read_text())["stats"]
    assert stats["rasd/capped/links"] >= 2 * (HUGE - 40)       # listing and feed, counted
    assert stats["rasd/capped/requests"] > 0
    assert stats["rasd/errors/sitemap_limit"] >= 2              # the chain's depth, the index's count
    chain = [h for h in hits if "/sitemaps/chain-" in h]
    parts = [h for h in hits if "/sitemaps/part-" in h]
    assert len(chain) <= 3 and len(parts) <= 10, (len(chain), len(parts))
    fetched = [h for h in hits if h.startswith("/news/")]
    assert len(fetched) <= 100 + 3
    assert any(h.startswith(f"/news/{10_000 + HUGE - 1}/") for h in hits)  # the feed's newest entry


@pytest.mark.slow
def test_sigterm_is_prompt_with_a_huge_listing_queued(tmp_path: Path) -> None:
    """Default caps: a listing of 20k links, a crawl told to stop mid-way."""
    site = HostileSite(n=3)
    db = tmp_path / "store" / "rasd.db"
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "huge", server.url, start_urls=[f"{server.url}/huge"],
                   feeds=[f"{server.url}/huge.xml"], sitemaps=[])
        proc = start_rasd("crawl", "huge", *FAST, env={"RASD_DB": str(db), "RASD_SITES": str(tmp_path / "sites")})
        wait_for(lambda: sum(h.startswith("/news/") for h in server.hits) >= 20, 120, "articles fetched")
        asked = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        finally:
            proc.kill()
        took = time.monotonic() - asked
    print(f"SIGTERM acted on in {took:.1f}s with a {HUGE}-link listing and a {HUGE}-entry feed")
    assert proc.returncode is not None


# --- minor: a run whose process is gone ------------------------------------------------------------

@pytest.mark.slow
def test_a_killed_crawl_is_closed_as_interrupted_by_the_next_reader(tmp_path: Path) -> None:
    db = tmp_path / "store" / "rasd.db"
    env = {"RASD_DB": str(db), "RASD_SITES": str(tmp_path / "sites")}
    with SiteServer(SlowSite(n=6, delay=2)) as server:
        write_site(tmp_path / "sites", "slow", server.url)
        proc = start_rasd("crawl", "slow", *FAST, env=env)
        wait_for(lambda: db.exists() and any(r.get("pid") for r in stored_docs(db, "runs")), 60, "run record")
        live = json.loads(run_rasd("runs", "--format", "json", env=env, check=True).stdout)
        assert [r["status"] for r in live] == ["running"]  # a crawl still at work is left alone
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    runs = json.loads(run_rasd("runs", "--format", "json", env=env, check=True).stdout)
    assert [r["status"] for r in runs] == ["interrupted"]
    assert "ended without closing its run" in " ".join(runs[0]["error_samples"])

