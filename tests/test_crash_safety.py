"""kill -9 at random points of real crawls (some while the store is locked and articles go
to the spool, some while a spool is being replayed), then a full re-run: no stored article
lost or duplicated, no half-written document, the spool always readable."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from crawler.storage.spool import decode
from crawler.storage.store import Store
from tests.conftest import FAST, run_rasd, write_site
from tests.faults import SlowSite, WriteLock, start_rasd, stored_docs
from tests.localsite import SiteServer

# More kills for a measurement run: RASD_CRASH_ROUNDS=20 RASD_CRASH_SEED=3
ROUNDS = int(os.environ.get("RASD_CRASH_ROUNDS", "6"))
SEED = int(os.environ.get("RASD_CRASH_SEED", "8"))
REQUIRED = ("url", "site", "title", "body", "fingerprint", "version", "first_seen", "last_seen")


def check_store(db: Path) -> list[str]:
    docs = stored_docs(db)
    urls = [d["url"] for d in docs]
    assert len(urls) == len(set(urls)), "an article stored twice"
    for d in docs:
        missing = [k for k in REQUIRED if not d.get(k)]
        assert not missing, f"half-written document {d.get('url')}: missing {missing}"
    return urls


def check_spool(spool: Path) -> tuple[int, int]:
    """(complete lines, torn tails); every complete line must decode."""
    lines = torn = 0
    for seg in spool.glob("*.jsonl") if spool.is_dir() else []:
        data = seg.read_bytes()
        complete, _, tail = data.rpartition(b"\n")
        torn += bool(tail)
        for line in complete.split(b"\n") if complete else []:
            decode(line)
            lines += 1
    return lines, torn


@pytest.mark.slow
def test_sigkill_at_random_points(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    db, spool = tmp_path / "store" / "rasd.db", tmp_path / "store" / "rasd.db.spool"
    Store(str(db)).close()
    site = SlowSite(n=40, delay=0.2)  # ~4 s of fetching at 2 requests at a time
    figures = {"kills": 0, "lost": 0, "duplicates": 0, "spooled_lines_seen": 0, "torn_tails": 0}
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "local", server.url)
        env = {"RASD_DB": str(db), "RASD_SITES": str(tmp_path / "sites")}
        stored_before: set[str] = set()
        for round_ in range(ROUNDS):
            lock = WriteLock(db)
            locked = round_ % 2 == 0
            if locked:  # the store refuses writes: this round spools
                lock.acquire()
            proc = start_rasd("crawl", "local", *FAST, "-s", "RASD_STORE_RETRY_INTERVAL=0.3",
                              "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", env=env)
            # Spooling starts ~4 s in (process start, robots.txt, listing); kill before,
            # during or after it.
            time.sleep(rng.uniform(2.5, 8.0) if locked else rng.uniform(0.5, 6.0))
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            figures["kills"] += proc.returncode == -signal.SIGKILL
            if locked:
                lock.release()
            urls = check_store(db)
            lost = stored_before - set(urls)
            figures["lost"] += len(lost)
            stored_before |= set(urls)
            lines, torn = check_spool(spool)
            figures["spooled_lines_seen"] += lines
            figures["torn_tails"] += torn

        final = run_rasd("crawl", "local", *FAST, env=env)
    assert final.returncode == 0, final.stderr
    urls = check_store(db)
    figures["duplicates"] = len(urls) - len(set(urls))
    figures["lost"] += len(stored_before - set(urls))
    assert len(set(urls)) == 40
    assert check_spool(spool) == (0, 0)
    assert list(spool.glob("*")) == [] if spool.exists() else True
    print("crash-safety figures:", figures)
    assert figures["kills"] >= ROUNDS // 2  # a crawl may finish before its kill (a clean run)
    assert figures["lost"] == 0 and figures["duplicates"] == 0
