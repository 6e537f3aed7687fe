"""Issue 13.3: a page that prints only the day ("12th, September 2023 GMT") and a feed and
news sitemap that give the time ("…T04:00:00Z"): the stored date is the feed's, to the
second — unless the feed names another day, where the page wins. Crawled for real."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

from tests.conftest import crawl, run_rasd, write_site
from tests.faults import stored_docs
from tests.localsite import NewsSite, SiteServer
from tests.test_crawl_e2e import summary_row

WRONG_DAY = 7  # the story whose feed and sitemap entries are two days off


class FeedTimesSite(NewsSite):
    """The local site, with one story misdated by its feed and sitemap, whose feed and
    sitemaps answer after its home page: the stories on the home page must still be fetched
    knowing the feed's dates (listings wait for feeds and sitemaps: see NewsSpider.start)."""

    def render(self, path: str) -> tuple[int, str, str]:
        if path.startswith(("/rss", "/sitemap")):
            time.sleep(0.3)
        return super().render(path)

    def _misdate(self, text: str, fmt: object) -> str:
        story = self.stories[WRONG_DAY]
        return text.replace(fmt(story.published), fmt(story.published - timedelta(days=2)))

    def rss(self) -> str:
        return self._misdate(super().rss(), format_datetime)

    def news_sitemap(self) -> str:
        return self._misdate(super().news_sitemap(), lambda d: d.isoformat())


def test_the_feeds_time_of_day_refines_the_pages_day(tmp_path: Path) -> None:
    site = FeedTimesSite(n=12, per_page=5)  # story i published at 09:00Z - i hours, 12 Sep 2023
    env = {"RASD_DB": str(tmp_path / "store" / "rasd.db"), "RASD_SITES": str(tmp_path / "sites")}
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "local", server.url, timezone="UTC")
        crawl(env, "local")
        by_title = {a["title"]: a for a in json.loads(
            run_rasd("articles", "--format", "json", "--limit", "0", env=env, check=True).stdout)}
        assert len(by_title) == 12
        for i, story in site.stories.items():
            art = by_title[story.title]
            if i == WRONG_DAY:  # the page's day wins over a feed that names another day
                assert art["published"] == story.published.strftime("%Y-%m-%dT00:00:00Z"), art
            else:
                assert art["published"] == story.published.strftime("%Y-%m-%dT%H:%M:%SZ"), (i, art)
        assert by_title[site.stories[5].title]["published"] == "2023-09-12T04:00:00Z"
        docs = {d["title"]: d for d in stored_docs(Path(env["RASD_DB"]))}
        assert docs[site.stories[5].title]["extraction"]["published"] == "feed"
        assert docs[site.stories[WRONG_DAY].title]["extraction"]["published"] == "heuristics"

        # Refetched from a listing alone (no feed, no sitemap: only the day is known this
        # time), the article is unchanged — the day the page prints is no edit of its time.
        # (A new story changes every page's sidebar, so the rechecks are full fetches.)
        site.publish(1)
        write_site(tmp_path / "sites", "local", server.url, timezone="UTC", feeds=[], sitemaps=[],
                   recheck_window="5000d")
        out = crawl(env, "local")
    counts = summary_row(out, "local")
    assert (counts["fetched"], counts["new"], counts["updated"]) == (13, 1, 0), out
    assert by_title[site.stories[5].title]["published"] == json.loads(run_rasd(
        "article", by_title[site.stories[5].title]["url"], "--format", "json", env=env,
        check=True).stdout)["published"]
