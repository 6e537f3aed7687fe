"""Pages per minute through Chromium vs plain HTTP, on the same pages.

    python -m bench.render [--pages 40] [--rounds 3] [--runs 10]

Serves the local Arabic news site (tests/localsite.py) twice — static HTML, and the
JavaScript-built variant whose pages are filled from JSON — and crawls N articles plus
their listing pages (discovery through listings only, so every page takes the same path):

- plain      static site, plain HTTP (the baseline)
- rendered   the same static site through Chromium: the browser's own cost
- js         the JavaScript site through Chromium with `wait_for` selectors
- js-idle    the JavaScript site without `wait_for` (waits for network idle instead)

Each crawl runs in a fresh process (one reactor per crawl); the table gives the median of
the rounds: Scrapy's elapsed time (browser start-up included, interpreter start-up not),
pages per minute, the ratio to the baseline, and the peak memory (PSS) of the crawl's
whole process tree (Python + Playwright driver + Chromium). Then one process crawls the JS site
`--runs` times in a row, as the scheduler does, printing its memory after each run and the
browser processes left behind.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from crawler.stats import PAGES_FETCHED
from tests.conftest import write_site
from tests.localsite import JsNewsSite, NewsSite, SiteServer

ROOT = Path(__file__).resolve().parents[1]
PER_PAGE = 10
WAIT_FOR = {"listing": ".listing .card", "article": ".article-body p"}
SCENARIOS: dict[str, tuple[str, dict[str, Any]]] = {
    "plain": ("static", {"render": False}),
    "rendered": ("static", {"render": True, "wait_for": WAIT_FOR}),
    "js": ("js", {"render": True, "wait_for": WAIT_FOR}),
    "js-idle": ("js", {"render": True}),
}
FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "ERROR"}


def _crawl_child(sites_dir: str, db: str, name: str, out: Any) -> None:
    from crawler.cli.runner import crawl, project_settings
    from crawler.rasdconfig import resolve_config

    settings = project_settings(resolve_config(db=db), RASD_SITE_DIRS=[sites_dir], **FAST)
    [summary] = crawl([name], settings)
    out.put({k: v for k, v in summary.stats.items() if isinstance(v, int | float | str)})


def _memory(proc: psutil.Process) -> int:
    """PSS where the OS has it: Chromium's processes share most of their pages, so adding
    up RSS would count the browser several times over."""
    try:
        return getattr(proc.memory_full_info(), "pss", None) or proc.memory_info().rss
    except psutil.AccessDenied:
        return proc.memory_info().rss


def measure(url: str, scenario: str, pages: int) -> dict[str, Any]:
    """One crawl in a fresh process, with the peak RSS of its process tree."""
    _, keys = SCENARIOS[scenario]
    with tempfile.TemporaryDirectory(prefix="rasd-bench-") as tmp:
        sites = Path(tmp) / "sites"
        write_site(sites, "bench", url, feeds=[], sitemaps=[], **keys)
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        child = ctx.Process(target=_crawl_child, args=(str(sites), str(Path(tmp) / "db"), "bench", out))
        started = time.perf_counter()
        child.start()
        peak = 0
        proc = psutil.Process(child.pid)
        while child.is_alive():
            try:
                tree = [proc, *proc.children(recursive=True)]
                peak = max(peak, sum(_memory(p) for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.1)
        wall = time.perf_counter() - started
        stats = out.get(timeout=10)
        child.join()
    fetched = stats.get(PAGES_FETCHED, 0)
    listings = -(-pages // PER_PAGE)
    if fetched != pages:
        raise SystemExit(f"{scenario}: fetched {fetched} articles, expected {pages}: {json.dumps(stats)[:800]}")
    elapsed = stats["elapsed_time_seconds"]
    return {"pages": fetched + listings, "elapsed": elapsed, "wall": wall, "peak_mb": peak / 2**20}


def repeated_runs(url: str, runs: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="rasd-bench-") as tmp:
        sites = Path(tmp) / "sites"
        write_site(sites, "bench", url, feeds=[], sitemaps=[], render=True, wait_for=WAIT_FOR)
        env = {**os.environ, "RASD_DB": str(Path(tmp) / "db"), "RASD_SITES": str(sites), "PYTHONPATH": str(ROOT)}
        proc = subprocess.run([sys.executable, "-m", "tests.repeated_crawls", "bench", str(runs)],
                              capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return [json.loads(line) for line in proc.stdout.splitlines()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.render", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=40, help="articles per crawl (default 40)")
    parser.add_argument("--rounds", type=int, default=3, help="crawls per scenario; the median is shown")
    parser.add_argument("--runs", type=int, default=10, help="repeated in-process crawls (0 = skip)")
    parser.add_argument("--only", nargs="*", choices=sorted(SCENARIOS), help="scenarios to run")
    args = parser.parse_args(argv)

    from crawler.fetch.browser import BrowserSearch, find_browser
    from crawler.rasdconfig import resolve_config

    browser = find_browser(BrowserSearch.from_config(resolve_config()))
    print(f"browser: {browser.path} ({browser.origin}); {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f}; {args.pages} articles + {-(-args.pages // PER_PAGE)} listings")
    names = args.only or list(SCENARIOS)
    sites = {"static": NewsSite(n=args.pages, per_page=PER_PAGE), "js": JsNewsSite(n=args.pages, per_page=PER_PAGE)}
    with SiteServer(sites["static"]) as static, SiteServer(sites["js"]) as js:
        urls = {"static": static.url, "js": js.url}
        results: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
        for _ in range(args.rounds):  # interleaved, so a busy moment hurts every scenario alike
            for name in names:
                results[name].append(measure(urls[SCENARIOS[name][0]], name, args.pages))
        rows = {n: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for n, rs in results.items()}
        base = rows.get("plain")
        print(f"\n{'scenario':<10} {'pages':>5} {'elapsed s':>9} {'pages/min':>9} {'vs plain':>8} "
              f"{'wall s':>7} {'peak MB':>8}")
        for name, row in rows.items():
            ppm = row["pages"] / row["elapsed"] * 60
            ratio = f"{ppm / (base['pages'] / base['elapsed'] * 60):.2f}x" if base else "-"
            print(f"{name:<10} {row['pages']:>5.0f} {row['elapsed']:>9.2f} {ppm:>9.0f} {ratio:>8} "
                  f"{row['wall']:>7.1f} {row['peak_mb']:>8.0f}")
        if args.runs:
            print(f"\n{args.runs} crawls of the JS site in one process (as the scheduler runs them):")
            runs = repeated_runs(js.url, args.runs)
            for run in runs:
                print(f"  run {run['run'] + 1:>2}: {run['elapsed']:.1f}s, {run['fetched']} fetched, "
                      f"RSS {run['rss_mb']:.1f} MB, browser processes left: {len(run['left_behind'])}")
            print(f"  RSS growth run 1 -> {len(runs)}: {runs[-1]['rss_mb'] - runs[0]['rss_mb']:+.1f} MB")


if __name__ == "__main__":
    main()
