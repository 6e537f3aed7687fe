"""Scrapy's per-item log line, at DEBUG, in a real crawl of the local site: one line naming
the article, not the article pretty-printed (which cost a fifth of a worker's CPU time even
when the log level dropped the line: the record is made and masked first)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FAST, run_rasd, write_site
from tests.localsite import NewsSite, SiteServer

pytestmark = pytest.mark.slow


def test_scraped_items_are_logged_in_one_line(news_site: tuple[NewsSite, SiteServer],
                                              rasd_env: dict[str, str]) -> None:
    site, server = news_site
    write_site(Path(rasd_env["RASD_SITES"]), "local", server.url)
    out = run_rasd("crawl", "local", *FAST, "-s", "LOG_LEVEL=DEBUG", env=rasd_env, check=True)
    scraped = [line for line in out.stderr.splitlines() if "Scraped " in line]
    assert len(scraped) >= 12, out.stderr[-2000:]
    assert all(line.split("Scraped ", 1)[1].startswith(server.url) for line in scraped)
    story = next(iter(site.stories.values()))
    assert story.paragraphs[0][:40] not in out.stderr, "no article body in the log"
