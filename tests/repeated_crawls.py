"""Crawl one site again and again in one long-lived process, the way a scheduler does, and
report after each run what it leaves behind: the process's memory and the browser
processes (Playwright driver, Chromium) still alive.

    RASD_DB=… RASD_SITES=… python -m tests.repeated_crawls SITE RUNS

Prints one JSON object per run. Used by tests/test_render.py and bench/render.py.
Browser processes are recognised by RASD_TEST_RUN in their environment (inherited from
this process), so they are found even after being orphaned.
"""

from __future__ import annotations

import json
import os
import sys
import uuid

import psutil


def tagged_processes(token: str) -> list[psutil.Process]:
    """Live processes started under RASD_TEST_RUN=token, wherever they were reparented."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and proc.environ().get("RASD_TEST_RUN") == token:
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found


def main(site: str, runs: int) -> None:
    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.utils.defer import deferred_from_coro

    from crawler.cli.runner import CrawlSummary, project_settings
    from crawler.rasdconfig import resolve_config
    from crawler.spiders.news import NewsSpider

    token = os.environ.setdefault("RASD_TEST_RUN", uuid.uuid4().hex)
    me = psutil.Process()
    settings = project_settings(
        resolve_config(), RASD_SITE_DIRS=os.environ["RASD_SITES"].split(os.pathsep),
        LOG_LEVEL="WARNING", DOWNLOAD_DELAY=0, AUTOTHROTTLE_ENABLED=False,
        RASD_INCREMENTAL=False,  # every run renders every article again: browsers are what is tested
    )
    process = AsyncCrawlerProcess(settings)

    async def crawl_runs() -> None:
        for run in range(runs):
            crawler = process.create_crawler(NewsSpider)
            await process.crawl(crawler, site=site)
            summary = CrawlSummary.from_stats(site, crawler.stats.get_stats())
            left = [p.name() for p in tagged_processes(token) if p.pid != me.pid]
            print(json.dumps({
                "run": run, "fetched": summary.fetched, "new": summary.new, "unchanged": summary.unchanged,
                "errors": summary.errors, "elapsed": crawler.stats.get_value("elapsed_time_seconds"),
                "browsers": crawler.stats.get_value("playwright/browser_count", 0),
                "rss_mb": round(me.memory_info().rss / 2**20, 1), "left_behind": left,
            }), flush=True)

    from twisted.internet import reactor

    done = deferred_from_coro(crawl_runs())
    done.addErrback(lambda failure: print(failure.getTraceback(), file=sys.stderr))
    done.addBoth(lambda _: reactor.stop())
    process.start(stop_after_crawl=False)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
