"""The bad-input corpus (tests/badsite.py) served on 127.0.0.1 and crawled through the real
CLI: no crash, the crawl goes on, every fault is a counted error of the right kind, and
the recoverable pages are stored, correctly decoded."""

from __future__ import annotations

import json
import resource
from collections import Counter
from pathlib import Path

import pytest

from tests.badsite import CHARSET_TITLES, FAULTS, BadInputSite
from tests.conftest import FAST, run_rasd, write_site
from tests.faults import stored_docs
from tests.localsite import SiteServer


@pytest.mark.slow
def test_bad_input_never_stops_a_crawl(tmp_path: Path) -> None:
    site = BadInputSite(n=12, timeout_after=5)
    db = tmp_path / "store" / "rasd.db"
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "bad", server.url, feeds=site.feeds(), sitemaps=site.sitemaps())
        env = {"RASD_DB": str(db), "RASD_SITES": str(tmp_path / "sites")}
        proc = run_rasd("crawl", "bad", *FAST, "-s", "DOWNLOAD_TIMEOUT=2", "--stats-file",
                        str(tmp_path / "stats.jsonl"), env=env)
    assert proc.returncode == 0, proc.stderr
    stats = json.loads((tmp_path / "stats.jsonl").read_text())["stats"]

    crashes = stats.get("rasd/crashes", 0) + sum(v for k, v in stats.items() if k.startswith("spider_exceptions"))
    assert crashes == 0, stats.get("rasd/error_samples")
    assert "Traceback" not in proc.stderr
    assert stats["finish_reason"] == "finished"

    expected = Counter(kind for kind in FAULTS.values() if kind not in ("stored", "tolerated"))
    counted = {kind: stats.get(f"rasd/errors/{kind}", 0) for kind in expected}
    short = {k: (counted[k], n) for k, n in expected.items() if counted[k] < n}
    assert not short, short
    assert len(stats["rasd/error_samples"]) == 10

    docs = {int(d["url"].split("/news/")[1].split("/")[0]): d for d in stored_docs(db)}
    must_store = {int(p.split("/")[2]) for p, kind in FAULTS.items()
                  if p.startswith("/news/") and (kind in ("stored", "no_date"))}
    assert set(range(12)) | must_store <= set(docs), sorted(set(range(12)) | must_store - set(docs))
    for n, title in CHARSET_TITLES.items():
        assert docs[n]["title"] == title and "\ufffd" not in docs[n]["body"]
    for n in (930, 931, 932):
        assert docs[n].get("published") is None  # absurd dates are not stored as dates
    assert not any("root:" in (d.get("body") or "") + (d.get("title") or "") for d in docs.values())
    assert "/etc/passwd" not in " ".join(server.hits)
    pages_with_errors = sum(expected.values())
    print(f"bad input: {len(FAULTS)} faulty URLs, {pages_with_errors} counted as errors, "
          f"{crashes} crashes, errors by kind {counted}, "
          f"peak RSS of rasd children {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024} MiB")
