"""The end-to-end crawl: Rasd against the local site, in a child process of its own.

A child process gives a clean peak RSS and CPU account (``os.wait4``) that belongs to the
crawl alone. The child runs the same ``crawler.cli.runner.crawl`` the ``rasd crawl`` command
runs, on the embedded store, with politeness off for 127.0.0.1 and every pipeline stage
timed (bench/stagetiming.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from crawler.storage.query import ArticleQuery
from crawler.storage.store import Store

SITE_NAME = "benchsite"
# Politeness off: the site is ours, on 127.0.0.1. Everything else stays as shipped.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}


def write_site_config(folder: Path, base_url: str) -> Path:
    """The local site as a Rasd site config: feed, sitemap index, paginated listings."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{SITE_NAME}.toml"
    path.write_text(
        f'name = "{SITE_NAME}"\n'
        'title = "الوطن نيوز (benchmark)"\n'
        f'start_urls = ["{base_url}/"]\n'
        f'feeds = ["{base_url}/rss.xml"]\n'
        f'sitemaps = ["{base_url}/sitemap.xml"]\n'
        "article_urls = ['/news/\\d+']\n"
        "follow = ['/page/\\d+']\n"
        'timezone = "Africa/Cairo"\n',
        encoding="utf-8",
    )
    return path


def run(base_url: str, workdir: Path, wrapper: tuple[str, ...] = ()) -> dict[str, Any]:
    """Crawl the site at ``base_url`` into a fresh embedded store under ``workdir``;
    ``wrapper`` prefixes the child's command line (a profiler)."""
    workdir.mkdir(parents=True, exist_ok=True)
    sites = workdir / "sites"
    write_site_config(sites, base_url)
    db = workdir / "store" / "rasd.db"
    out = workdir / "crawl-stats.json"
    cmd = [*wrapper, sys.executable, "-m", "bench.crawl", "--db", str(db), "--sites", str(sites),
           "--out", str(out)]
    log = workdir / "crawl.log"
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err,
                                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, unlike RUSAGE_CHILDREN
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    stderr = log.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"benchmark crawl failed (exit {proc.returncode}):\n{stderr[-4000:]}")
    result = json.loads(out.read_text(encoding="utf-8"))
    with Store(str(db)) as store:
        result["stored"] = store.count_articles(ArticleQuery())
    result.update(
        process_wall_seconds=wall,
        process_cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
        db_bytes=sum(f.stat().st_size for f in db.rglob("*") if f.is_file()),
        log_tail=stderr[-2000:],
    )
    return result


def child(argv: list[str]) -> None:
    """In the child: one crawl through crawler.cli.runner, stats written as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.crawl")
    parser.add_argument("--db", required=True)
    parser.add_argument("--sites", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    from bench.stagetiming import CrawlClock, timed_stages
    from crawler.cli.runner import crawl, project_settings
    from crawler.rasdconfig import resolve_config
    from crawler.settings import EXTENSIONS

    settings = project_settings(
        resolve_config(db=args.db), RASD_SITE_DIRS=[args.sites], LOG_LEVEL="WARNING",
        **timed_stages(), EXTENSIONS={**EXTENSIONS, CrawlClock: 0},
        **FAST_SETTINGS,
    )
    [summary] = crawl([SITE_NAME], settings)
    stats = {k: v for k, v in summary.stats.items() if isinstance(v, int | float | str)}
    Path(args.out).write_text(json.dumps({"stats": stats}, ensure_ascii=False, default=str),
                              encoding="utf-8")


if __name__ == "__main__":
    child(sys.argv[1:])
