"""Crawling without network, or a host that never answers (issue 13, points 7 and 8):
one line per site and kind instead of tracebacks, a status per site, the exit code, and
giving up on a dead host instead of waiting out every request."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import FAST, run_rasd, write_site
from tests.faults import SilentServer, free_port
from tests.localsite import NewsSite, SiteServer


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def row(stdout: str, site: str) -> list[str]:
    return next(line.split(maxsplit=8) for line in stdout.splitlines() if line.startswith(site + " "))


@pytest.mark.slow
def test_no_network_one_line_per_site_and_exit_1_when_every_site_failed(tmp_path: Path) -> None:
    env = {"RASD_DB": str(tmp_path / "rasd.db"), "RASD_SITES": str(tmp_path / "sites")}
    write_site(tmp_path / "sites", "nowhere", "http://rasd-test.invalid")  # no such name
    write_site(tmp_path / "sites", "refused", f"http://127.0.0.1:{free_port()}")  # nothing listens

    proc = run_rasd("crawl", "nowhere", "refused", *FAST, env=env)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr
    assert "nowhere: gave up on rasd-test.invalid: 3 attempts, no answer (dns)" in proc.stderr
    assert "refused: gave up on 127.0.0.1:" in proc.stderr and "connection_refused" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 6, proc.stderr  # no line per request
    header = proc.stdout.splitlines()[0].split()
    assert header[-2:] == ["status", "reason"]
    assert row(proc.stdout, "nowhere")[7:] == ["failed", "unreachable: rasd-test.invalid: 3 attempts, no answer (dns)"]
    assert row(proc.stdout, "refused")[7] == "failed"
    assert last_line(proc.stdout) == "2 of 2 site(s) failed: nowhere, refused"

    [run] = json.loads(run_rasd("runs", "--site", "nowhere", "--format", "json", env=env, check=True).stdout)
    assert run["status"] == "failed" and run["reason"].startswith("unreachable: rasd-test.invalid")
    assert run["given_up"] == {"rasd-test.invalid": "3 attempts, no answer (dns)"}

    verbose = run_rasd("crawl", "nowhere", "-v", *FAST, env=env)
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr  # -v shows what happened

    site = NewsSite(n=3, per_page=3)
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "local", server.url)
        partial = run_rasd("crawl", "local", "nowhere", *FAST, env=env)
    assert partial.returncode == 0, partial.stderr  # partial success
    assert row(partial.stdout, "local")[7:] == ["ok"]
    assert last_line(partial.stdout) == "1 of 2 site(s) failed: nowhere"


@pytest.mark.slow
def test_a_host_that_never_answers_is_given_up_for_the_run(tmp_path: Path) -> None:
    env = {"RASD_DB": str(tmp_path / "rasd.db"), "RASD_SITES": str(tmp_path / "sites")}
    with SilentServer() as server:
        # feed, sitemap and listing: 3 entry points, each worth 3 attempts without giving up
        write_site(tmp_path / "sites", "silent", server.url)
        started = time.monotonic()
        proc = run_rasd("crawl", "silent", *FAST, "-s", "DOWNLOAD_TIMEOUT=3", "-s", "RASD_ROBOTSTXT_TIMEOUT=1",
                        "--stats-file", str(tmp_path / "stats.jsonl"), env=env)
        print(f"silent host, 1 s robots.txt / 3 s download timeouts: {time.monotonic() - started:.1f} s")
        connections = server.connections
    assert proc.returncode == 1, proc.stderr
    host = server.url.split("//")[1]
    stats = json.loads((tmp_path / "stats.jsonl").read_text())["stats"]
    # robots.txt was tried three times, then nothing else: the 3 entry points were not sent.
    assert connections == 3, connections
    assert stats["rasd/given_up"] == {host: "3 attempts, no answer (timeout)"}
    assert stats["rasd/errors/host_given_up"] == 3 and stats["rasd/errors/host_unreachable"] == 1
    assert f"silent: gave up on {host}: 3 attempts, no answer (timeout); 3 request(s) not sent" in proc.stderr
    [run] = json.loads(run_rasd("runs", "--format", "json", env=env, check=True).stdout)
    assert run["given_up"] == {host: "3 attempts, no answer (timeout)"} and host in run["reason"]
