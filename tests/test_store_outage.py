"""Database outages with real faults: the embedded store locked and made read-only in the
middle of a crawl, and a MongoDB URI pointing at a closed port. Nothing is lost, nothing is
stored twice, and the run says it was degraded."""

from __future__ import annotations

import json
import time
from pathlib import Path

from crawler.storage.store import Store
from tests.conftest import FAST, run_rasd, write_site
from tests.faults import (
    GatedSite,
    WriteLock,
    free_port,
    set_read_only,
    spool_lines,
    start_rasd,
    stored_docs,
    stored_urls,
    unprivileged,
    wait_for,
)
from tests.localsite import SiteServer

RETRY = ("-s", "RASD_STORE_RETRY_INTERVAL=0.5")


def run_records(db: Path) -> list[dict]:
    return stored_docs(db, "runs")


def chmod_store(tmp_path: Path) -> tuple[list[str], Path, Path, Path]:
    """For tests that make the store unwritable: the command prefix under which chmod
    applies, an existing embedded store, its default spool, and a site folder."""
    prefix = unprivileged()
    tmp_path.chmod(0o755)
    db = tmp_path / "store" / "rasd.db"
    Store(str(db)).close()
    return prefix, db, db.with_name(db.name + ".spool"), tmp_path / "sites"


def article_id(url: str) -> int:
    return int(url.split("/news/")[1].split("/")[0])


def read_stats(path: Path) -> dict:
    return json.loads(path.read_text().splitlines()[0])["stats"]


def test_store_locked_then_read_only_mid_crawl(tmp_path: Path) -> None:
    """Articles 0-9 are stored normally; then another process takes the store's write lock
    and the files are chmod'ed read-only, while articles 10-19 arrive (spooled). The lock
    goes but the files stay read-only (still spooled: the reopened store cannot write);
    then the files become writable again and 20-29 arrive: everything replayed in the same
    run, each article exactly once."""
    prefix, db, spool, sites = chmod_store(tmp_path)
    site = GatedSite(n=30, group=10)
    site.gates[0].set()
    with SiteServer(site) as server:
        write_site(sites, "local", server.url, feeds=[], sitemaps=[], read_also_depth=0)
        env = {"RASD_DB": str(db), "RASD_SITES": str(sites)}
        stats_file = tmp_path / "stats.jsonl"
        proc = start_rasd("crawl", "local", *FAST, *RETRY, "-s", "CONCURRENT_REQUESTS=64",
                          "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=64", "-s", "DOWNLOAD_TIMEOUT=150",
                          "--stats-file", str(stats_file), env=env, prefix=prefix)
        try:
            wait_for(lambda: len(stored_urls(db)) == 10, what="the first 10 articles stored")
            lock = WriteLock(db)
            lock.acquire()
            set_read_only(db, True)
            site.gates[1].set()
            wait_for(lambda: spool_lines(spool) >= 10, what="articles 10-19 spooled")
            lock.release()
            time.sleep(3)  # several retries while the files are read-only
            assert len(stored_urls(db)) == 10, "a read-only store must not take writes"
            set_read_only(db, False)
            # The periodic retry replays the spool within this run…
            wait_for(lambda: not list(spool.glob("*.jsonl")), what="the spool replayed in the same run")
            assert len(stored_urls(db)) == 20
            site.gates[2].set()  # …and the last articles go straight to the store
            _out, err = proc.communicate(timeout=120)
        finally:
            set_read_only(db, False)
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    urls = stored_urls(db)
    assert len(urls) == len(set(urls)) == 30
    assert {article_id(u) for u in urls} == set(site.stories)
    stats = read_stats(stats_file)
    assert stats["rasd/degraded"] is True
    assert stats["rasd/spooled"] >= 10 and stats["rasd/replayed"] == stats["rasd/spooled"]
    assert stats["rasd/store_outages"] >= 1
    samples = " ".join(stats["rasd/error_samples"])
    assert "database is locked" in samples and "readonly database" in samples
    assert stats["rasd/spool_waiting"] == 0
    assert "degraded run" in err
    assert not list(spool.glob("*.jsonl"))
    [run] = run_records(db)
    assert run["status"] == "degraded" and run["spooled"] == stats["rasd/spooled"]
    assert run["replayed"] == run["spooled"] and run["spool_waiting"] == 0


def test_read_only_store_at_start_then_next_run(tmp_path: Path) -> None:
    """The store is read-only for a whole crawl: everything is spooled, the run exits 75
    (EX_TEMPFAIL) and `rasd spool` lists what waits; the next run, with the store writable,
    stores it before crawling, exactly once."""
    prefix, db, spool, sites = chmod_store(tmp_path)
    site = GatedSite(n=8, group=8)
    site.gates[0].set()
    with SiteServer(site) as server:
        write_site(sites, "local", server.url)
        env = {"RASD_DB": str(db), "RASD_SITES": str(sites)}
        set_read_only(db, True)
        try:
            proc = start_rasd("crawl", "local", *FAST, *RETRY, env=env, prefix=prefix)
            _out, err = proc.communicate(timeout=120)
        finally:
            set_read_only(db, False)
        assert proc.returncode == 75, err
        # the run record could not be written either: its two updates (start, end) wait too
        assert "8 article(s) and 2 run record update(s) wait in the spool" in err
        assert stored_urls(db) == [] and run_records(db) == []
        listing = json.loads(run_rasd("spool", "--format", "json", env=env, check=True).stdout)
        assert listing["waiting"] == 8 and listing["spool"] == str(spool)
        assert listing["run_records"] == 2
        assert sum(s["sites"].get("local", 0) for s in listing["segments"]) == 8

        proc2 = run_rasd("crawl", "local", *FAST, env=env)
    assert proc2.returncode == 0, proc2.stderr
    urls = stored_urls(db)
    assert len(urls) == len(set(urls)) == 8
    listing = json.loads(run_rasd("spool", "--format", "json", env=env, check=True).stdout)
    assert listing["waiting"] == listing["run_records"] == 0
    first, second = sorted(run_records(db), key=lambda r: r["started"])
    assert first["status"] == "degraded" and first["site"] == "local" and first["spooled"] == 8
    assert first["trigger"] == "manual" and first["finished"] > first["started"]
    assert any("run record spooled" in e for e in first["error_samples"])
    # the next run stored what the first spooled (counted as its replayed, new articles)
    assert second["status"] == "ok" and second["replayed"] == second["articles"]["new"] == 8


def test_mongodb_down_spooled_then_replayed_into_embedded_store(tmp_path: Path) -> None:
    """A MongoDB URI pointing at a closed port (no MongoDB server can run here, so the
    outage is a real refused connection, and the recovery is the swap of the URI to the
    embedded store): the crawl spools everything, then `rasd spool --replay` with the
    embedded store stores it all once; replaying again changes nothing."""
    site = GatedSite(n=6, group=6)
    site.gates[0].set()
    spool = tmp_path / "spool"
    mongo = f"mongodb://rasd:N0tThisPassw0rd@127.0.0.1:{free_port()}/rasd"
    db = tmp_path / "store" / "rasd.db"
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "local", server.url)
        env = {"RASD_SITES": str(tmp_path / "sites"), "RASD_SPOOL": str(spool)}
        proc = run_rasd("crawl", "local", "--db", mongo, *FAST, "-s", "RASD_STORE_RETRY_INTERVAL=60",
                        "--stats-file", str(tmp_path / "stats.jsonl"), env=env)
    assert proc.returncode == 75, proc.stderr
    stats = read_stats(tmp_path / "stats.jsonl")
    assert stats["rasd/spooled"] == 6 and stats["rasd/degraded"] is True
    assert "N0tThisPassw0rd" not in proc.stderr + proc.stdout
    assert "rasd:***@127.0.0.1" in proc.stderr

    replay = run_rasd("spool", "--replay", "--db", str(db), env=env, check=True)
    assert "replayed 6 article(s)" in replay.stdout and "2 run record update(s)" in replay.stdout
    assert "waiting: 0" in replay.stdout
    again = run_rasd("spool", "--replay", "--db", str(db), env=env, check=True)
    assert "replayed 0 article(s)" in again.stdout
    urls = stored_urls(db)
    assert len(urls) == len(set(urls)) == 6
    [run] = run_records(db)  # the run itself is not lost: it shows up once replayed
    assert run["status"] == "degraded" and run["spooled"] == 6 and run["site"] == "local"
    assert "N0tThisPassw0rd" not in json.dumps(run, default=str)
    assert any("rasd:***@127.0.0.1" in e for e in run["error_samples"])


def test_store_and_spool_both_unwritable_stops_before_crawling(tmp_path: Path) -> None:
    """Nowhere to keep articles: the crawl does not start (exit 3) rather than fetch pages
    it would lose."""
    prefix, db, _spool, sites = chmod_store(tmp_path)
    site = GatedSite(n=2, group=2)
    site.gates[0].set()
    with SiteServer(site) as server:
        write_site(sites, "local", server.url)
        env = {"RASD_DB": str(db), "RASD_SITES": str(sites)}
        set_read_only(db.parent, True)  # the store and the folder the spool would go in
        try:
            proc = start_rasd("crawl", "local", *FAST, env=env, prefix=prefix)
            _out, err = proc.communicate(timeout=120)
        finally:
            set_read_only(db.parent, False)
    assert proc.returncode == 3, err
    assert "cannot be written either" in err and server.article_hits() == 0


def test_store_deleted_mid_crawl_spools_the_rest(tmp_path: Path) -> None:
    """`rm` of the embedded store while a crawl writes to it (issue 14.3): SQLite would go on
    writing into the deleted file and the run would say "ok" with nothing on disk. The crawl
    notices on its next write, spools from there on and says it is degraded; the next crawl
    starts a new store, stores the spool and fetches again what went with the old file."""
    db = tmp_path / "store" / "rasd.db"
    spool = db.with_name(db.name + ".spool")
    site = GatedSite(n=20, group=10)
    site.gates[0].set()
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "local", server.url, feeds=[], sitemaps=[], read_also_depth=0)
        env = {"RASD_DB": str(db), "RASD_SITES": str(tmp_path / "sites")}
        stats_file = tmp_path / "stats.jsonl"
        proc = start_rasd("crawl", "local", *FAST, *RETRY, "--stats-file", str(stats_file), env=env)
        try:
            wait_for(lambda: len(stored_urls(db)) == 10, what="the first 10 articles stored")
            for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
                path.unlink(missing_ok=True)
            site.gates[1].set()
            _out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 75, err
        stats = read_stats(stats_file)
        assert stats["rasd/degraded"] is True and stats["rasd/spooled"] == 10
        assert any("deleted" in e for e in stats["rasd/error_samples"])
        assert spool_lines(spool) >= 10

        again = run_rasd("crawl", "local", *FAST, env=env)
    assert again.returncode == 0, again.stderr
    urls = stored_urls(db)
    assert len(urls) == len(set(urls)) == 20
