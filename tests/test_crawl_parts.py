"""How a crawl is put together (issue 16): one set of resources per crawl, owned by no class
or module; the spider's callback makes the article through the same function as ``rasd
parse`` and yields its read-also links as follow-up requests; ``rasd sites --check`` reuses
the spider's discovery. Real crawls of the local Arabic site, and the real spider on a real
page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse
from scrapy.statscollectors import MemoryStatsCollector

import pipelines.base
from crawler.cli.runner import project_settings
from crawler.cli.sitecheck import CheckSpider
from crawler.items import Article
from crawler.rasdconfig import resolve_config
from crawler.resources import CrawlResources
from crawler.spiders.news import NewsSpider
from crawler.storage.query import iso, public
from crawler.storage.store import Store
from pipelines.offline import parse_page
from pipelines.store import to_document
from tests.conftest import FAST, run_rasd, write_site
from tests.faults import stored_docs
from tests.localsite import NewsSite, SiteServer


class RefererSite(NewsSite):
    """The local site, noting the Referer of every article request (path as requested)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referers: dict[int, list[str | None]] = {}

    def render_request(self, path: str, headers: Any) -> tuple[int, str, str]:
        story = self.story_at(path)
        if story is not None:
            self.referers.setdefault(story.id, []).append(headers.get("Referer"))
        return self.render(path)


def spider_for(sites: Path, db: Path | None = None, site: str = "local") -> NewsSpider:
    settings = project_settings(resolve_config(db=str(db or sites.parent / "rasd.db"), sites=[sites]),
                                RASD_INCREMENTAL=False)
    crawler = Crawler(NewsSpider, settings)
    crawler.stats = MemoryStatsCollector(crawler)
    spider = NewsSpider.from_crawler(crawler, site=site)
    crawler.spider = spider
    return spider


def test_each_crawl_has_its_own_resources_and_no_class_holds_a_connection(tmp_path: Path) -> None:
    """Two crawls in one process (``rasd crawl a b``, a worker's sites) share no registry:
    each has its site configs and its connection, which every part of it shares."""
    assert not hasattr(Store, "shared") and not hasattr(Store, "_shared")
    assert not hasattr(pipelines.base, "sites_for")
    write_site(tmp_path / "sites", "local", "http://127.0.0.1:9")
    db = tmp_path / "rasd.db"
    one, two = spider_for(tmp_path / "sites", db), spider_for(tmp_path / "sites", db)
    assert isinstance(one.resources, CrawlResources) and one.resources is not two.resources
    assert one.resources.sites is not two.resources.sites and one.site is one.resources.sites["local"]
    first, again, other = one.resources.store(), one.resources.store(), two.resources.store()
    try:
        assert first is again and first is not other
        assert one.resources.failover().connection is one.resources.connection
    finally:
        for store in (first, again, other):
            store.close()
        one.resources.close()
        two.resources.close()
    assert one.resources.connection.current is None  # the crawl's end closes it


def test_the_callback_makes_the_article_rasd_parse_prints_and_yields_its_links(tmp_path: Path) -> None:
    """The spider's callback on a real page: the article ``rasd parse`` makes of the same
    bytes (one function, pipelines.offline), then requests for its read-also links as the
    page wrote them, one hop deeper."""
    site = NewsSite(n=12, per_page=5)
    site.base = "http://127.0.0.1:8765"
    write_site(tmp_path / "sites", "local", site.base)
    spider = spider_for(tmp_path / "sites")
    story = site.stories[3]
    url = site.base + story.path
    body = site.article_html(story).encode("utf-8")
    request = spider.page_request(url, spider.parse_article, "article", {"rasd_depth": 0})
    response = HtmlResponse(url=request.url, body=body, request=request,
                            headers={"Content-Type": "text/html; charset=utf-8"})

    article, *follow = spider.parse_article(response)

    assert isinstance(article, Article)
    printed = parse_page(body, url, spider.site, spider.resources.sites)
    doc = to_document(article)
    crawled = {**{k: iso(v) for k, v in doc.items()}, **public(doc)}  # as `rasd parse` prints it
    for field in ("url", "title", "published", "authors", "source", "tags", "body", "language",
                  "read_also", "extraction", "fingerprint", "title_norm", "body_norm"):
        assert crawled.get(field) == printed.get(field), field
    assert [link["title"] for link in article["read_also"]] == [site.stories[i].title for i in story.related]
    assert all(isinstance(r, Request) and r.callback == spider.parse_article for r in follow)
    assert [r.url for r in follow] == [site.base + site.stories[i].path for i in story.related]
    assert all(r.meta["rasd_depth"] == 1 for r in follow)
    assert spider.crawler.stats.get_value("rasd/read_also_links") == len(story.related)


def _crawl_depth(tmp_path: Path, depth: int) -> tuple[RefererSite, set[int]]:
    """A crawl whose only entry point lists stories 0-2 (the home page shows one story, its
    "most read" box the first three): every other story is reachable by read-also links only
    (story i links to i+1 and i+2)."""
    site = RefererSite(n=12, per_page=1)
    db = tmp_path / f"depth{depth}" / "rasd.db"
    sites = tmp_path / f"sites{depth}"
    with SiteServer(site) as server:
        write_site(sites, "local", server.url, feeds=[], sitemaps=[], follow=[], read_also_depth=depth)
        run_rasd("crawl", "local", *FAST, env={"RASD_DB": str(db), "RASD_SITES": str(sites)}, check=True)
        base = server.url
    stored = {int(d["url"].split("/news/")[1].split("/")[0]) for d in stored_docs(db)}
    assert all(link["url"].startswith(base + "/news/") for d in stored_docs(db) for link in d["read_also"])
    return site, stored


@pytest.mark.parametrize("depth, reached", [(1, {0, 1, 2, 3, 4}), (2, {0, 1, 2, 3, 4, 5, 6})])
def test_read_also_links_are_followed_from_the_callback_to_the_sites_depth(
        tmp_path: Path, depth: int, reached: set[int]) -> None:
    site, stored = _crawl_depth(tmp_path, depth)
    assert set(site.referers) == reached and stored == reached  # so far, and not one hop beyond
    # Yielded by the callback of the article that links them, so through the spider
    # middlewares (Scrapy's RefererMiddleware names that article); not slipped into the engine.
    for story in reached - {0, 1, 2}:
        assert site.referers[story][0] and "/news/" in site.referers[story][0], site.referers
    assert all(len(refs) == 1 for refs in site.referers.values())  # each page fetched once


def test_a_page_that_is_no_article_is_dropped_and_counted_as_before(tmp_path: Path) -> None:
    """Listing pages fetched as articles: dropped by the stages in the spider's callback and
    counted as a pipeline's drop was (item_dropped_count, by reason), and as not_article."""
    site = NewsSite(n=12, per_page=5)
    db = tmp_path / "store" / "rasd.db"
    env = {"RASD_DB": str(db), "RASD_SITES": str(tmp_path / "sites")}
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "local", server.url, feeds=[], sitemaps=[],
                   article_urls=[r"/news/\d+", r"/page/\d+"], follow=[], read_also_depth=0)
        run_rasd("crawl", "local", *FAST, "--stats-file", str(tmp_path / "stats.jsonl"), env=env, check=True)
        listings = [p for p, status in server.served if p.startswith("/page/") and status == 200]
    stats = json.loads((tmp_path / "stats.jsonl").read_text())["stats"]
    assert listings
    assert stats["item_dropped_count"] == stats["item_dropped_reasons_count/DropItem"] == len(listings)
    assert stats["rasd/errors/not_article"] == len(listings)
    assert stats["item_scraped_count"] == len(stored_docs(db)) == stats["rasd/articles/new"]
    assert stats.get("rasd/crashes", 0) == 0 and not any(k.startswith("spider_exceptions") for k in stats)


def test_the_check_reuses_the_spiders_discovery_without_a_mode(tmp_path: Path) -> None:
    """``rasd sites --check`` picks one entry of what the spider's own ``*_entries`` give and
    reads it with the spider's ``read_article``: no flag changes the spider's requests, and
    the article's read-also links are shown, never fetched."""
    assert CheckSpider.article_request is NewsSpider.article_request
    assert not hasattr(CheckSpider, "on_read_also") and not hasattr(NewsSpider, "on_read_also")
    site = RefererSite(n=12, per_page=5)
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "local", server.url)
        proc = run_rasd("sites", "--check", "local", "--format", "json", *FAST,
                        env={"RASD_SITES": str(tmp_path / "sites"), "RASD_DB": str(tmp_path / "rasd.db")})
    assert proc.returncode == 0, proc.stderr
    assert len(site.referers) == 1 and sum(map(len, site.referers.values())) == 1
    [read] = site.referers
    report = json.loads(proc.stdout)
    assert report["article"]["title"] == site.stories[read].title
    assert len(report["article"]["read_also"]) == len(site.stories[read].related)
