"""The benchmark code must not rot: run its quick mode and check what it reports.

Structure and sanity only — never speed: a benchmark on a shared machine prints figures,
and a test that failed on a time would fail for the neighbours' load.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest

from bench.site import FrozenSite, PrerenderedSite
from tests.conftest import ROOT

FINAL = re.compile(r"^ratio_vs_scrapy_bench=(\d+\.\d\d) parse_ms_median=(\d+(?:\.\d+)?) peak_rss_mb=(\d+)$")


def test_prerendered_pages_are_the_generated_pages() -> None:
    """The benchmark serves exactly what tests/localsite.py renders, just rendered up front."""
    site = FrozenSite(n=45, per_page=20)
    site.base = "http://127.0.0.1:8080"
    pre = PrerenderedSite(site)
    story = site.stories[7]
    for path in ("/", "/page/3", "/rss.xml", "/sitemap.xml", "/sitemap-news.xml", story.path):
        status, ctype, body = site.render(path)
        assert pre.render(path) == (status, ctype, body.encode("utf-8")), path
    assert pre.render("/page/3")[0] == 200 and pre.render("/page/4")[0] == 404
    assert len(pre.article_paths) == 45
    assert "http://127.0.0.1:8080/news/44/" in pre.render("/sitemap-news.xml")[2].decode()


@pytest.mark.slow
def test_quick_benchmark_reports_every_figure(tmp_path) -> None:
    # A quick run writes its report to the ignored bench/out/ by default (issue 13, point 14).
    results = ROOT / "bench" / "out" / "RESULTS-quick.md"
    results.unlink(missing_ok=True)
    committed = (ROOT / "bench" / "RESULTS.md")
    before = committed.read_bytes() if committed.exists() else None
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--articles", "120"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()

    m = FINAL.match(lines[-1])
    assert m, f"last line is not the summary: {lines[-1]!r}"
    ratio, parse_ms, rss = (float(g) for g in m.groups())
    assert 0 < ratio < 100 and math.isfinite(ratio)
    assert 0 < parse_ms < 10_000
    assert 20 < rss < 24 * 1024  # a Python+Scrapy process, and less than the machine has

    # The crawl covered the whole site: every article fetched and stored once.
    crawl = next(line for line in lines if line.startswith("rasd crawl:"))
    assert " 120 articles stored" in crawl, crawl
    assert len([line for line in lines if line.startswith("scrapy bench:")]) == 2
    assert any(line.startswith("parse rasd") for line in lines)
    assert any(line.startswith("parse trafilatura") for line in lines)

    text = results.read_text(encoding="utf-8")
    for heading in ("## Machine", "## Headline", "## End-to-end crawl", "## The local site and its server",
                    "## Parse cost per page", "## Near-duplicate check", "## CLI start-up"):
        assert heading in text, heading
    assert "| parse |" in text and "| store |" in text  # CPU split by stage
    assert "DOWNLOAD_DELAY=0" in text and "scrapy" in text and "Python 3." in text
    assert lines[-1] in text
    assert (committed.read_bytes() if committed.exists() else None) == before, "quick run overwrote RESULTS.md"


def test_profile_summary_shares() -> None:
    """py-spy's collapsed stacks: Rasd functions by inclusive share (once per stack, however
    deep the recursion), modules by self share, imports left out of Rasd's list."""
    from bench.profile import summarise

    collapsed = "\n".join([
        "crawl (crawler/cli/runner.py:60);ParsePipeline.process_item (pipelines/parse.py:20);"
        "extract (trafilatura/core.py:10);prune (trafilatura/htmlprocessing.py:5) 6",
        "crawl (crawler/cli/runner.py:60);node_text (crawler/extract/textutil.py:9);"
        "node_text (crawler/extract/textutil.py:9) 3",
        "<module> (crawler/storage/store.py:1);_find_and_load (<frozen importlib._bootstrap>:1) 1",
    ])
    result = summarise(collapsed)
    assert result["samples"] == 10
    own = dict(result["own_inclusive"])
    assert own == {"crawl (crawler/cli/runner.py)": 0.9, "ParsePipeline.process_item (pipelines/parse.py)": 0.6,
                   "node_text (crawler/extract/textutil.py)": 0.3}
    assert dict(result["modules_self"]) == {"trafilatura/htmlprocessing.py": 0.6,
                                            "crawler/extract/textutil.py": 0.3,
                                            "<frozen importlib._bootstrap>": 0.1}
