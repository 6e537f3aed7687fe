"""Pages that are not articles — a home page, a section listing, a page whose article the
parser cannot reach — are never stored: `rasd parse` exits 1 on them and a crawl counts
them as `not_article` (issues 13.2 and 14.11). One judgement (crawler.extract.verdict)
serves both."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FAST, run_rasd, write_site
from tests.faults import stored_docs
from tests.localsite import NewsSite, SiteServer

BASE = "http://127.0.0.1:8765"


def _site() -> NewsSite:
    site = NewsSite(n=12, per_page=5)
    site.base = BASE
    return site


def _parse(tmp_path: Path, page: str, url: str) -> tuple[int, str, str]:
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    proc = run_rasd("parse", str(path), "--url", url)
    return proc.returncode, proc.stdout, proc.stderr


def test_rasd_parse_rejects_a_home_page(tmp_path: Path) -> None:
    code, out, err = _parse(tmp_path, _site().render("/")[2], f"{BASE}/")
    assert code == 1 and out == ""
    assert "not an article" in err and "list of links" in err


def test_rasd_parse_rejects_a_section_listing_with_a_headline(tmp_path: Path) -> None:
    """A section page prints its name as <h1>: a title is found, the text is still cards."""
    page = _site().render("/page/2")[2].replace("<main>", "<main><h1>آخر الأخبار من الوطن والعالم</h1>")
    code, _, err = _parse(tmp_path, page, f"{BASE}/page/2")
    assert code == 1 and "not an article" in err


def test_rasd_parse_rejects_a_page_nested_too_deep_to_read(tmp_path: Path) -> None:
    """Issue 14.11: 100k nested <div>s hide the article from libxml2; what is left is the
    site menu, with no headline — not an article, not an empty-titled menu."""
    site = _site()
    page = site.article_html(site.stories[3]).replace("<main>", "<main>" + "<div>" * 100_000)
    code, out, err = _parse(tmp_path, page, f"{BASE}{site.stories[3].path}")
    assert code == 1 and out == "" and "not an article" in err


def test_rasd_parse_still_reads_an_article(tmp_path: Path) -> None:
    site = _site()
    story = site.stories[3]
    code, out, err = _parse(tmp_path, site.article_html(story), f"{BASE}{story.path}")
    assert code == 0, err
    assert json.loads(out)["title"] == story.title


def test_a_crawl_keeps_listing_pages_out_of_the_store(tmp_path: Path) -> None:
    """A site config whose article pattern also matches its listing pages (here /page/N):
    those pages are fetched as articles, judged not to be, counted and never stored."""
    site = NewsSite(n=12, per_page=5)
    db = tmp_path / "store" / "rasd.db"
    env = {"RASD_DB": str(db), "RASD_SITES": str(tmp_path / "sites")}
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "local", server.url, feeds=[], sitemaps=[],
                   article_urls=[r"/news/\d+", r"/page/\d+"], follow=[])
        run_rasd("crawl", "local", *FAST, env=env, check=True)
        fetched_listings = [p for p, status in server.served if p.startswith("/page/") and status == 200]
    urls = [d["url"] for d in stored_docs(db)]
    assert fetched_listings and len(urls) >= 5  # the home page's cards and their read-also links
    assert all("/news/" in u for u in urls), urls
    [run] = json.loads(run_rasd("runs", "--site", "local", "--format", "json", env=env, check=True).stdout)
    assert run["errors"].get("not_article") == len(fetched_listings), run
    assert any("not_article:" in s and "/page/" in s for s in run["error_samples"])
