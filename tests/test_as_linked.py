"""Requests go to URLs as their sites wrote them; canonical URLs are only identities.
Real crawls (`rasd crawl`) of local sites that answer only their own spelling."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from scrapy import Request

from crawler.extract import extract_article
from crawler.fetch.identity import CanonicalFingerprinter, identity_meta
from crawler.urls import canonical_url, request_url
from tests.conftest import crawl, stored, write_site
from tests.localsite import SiteServer
from tests.picky_sites import StrictQuerySite, WordPressSite
from tests.test_crawl_e2e import summary_row


def test_request_url_keeps_the_spelling_and_drops_only_fragment_and_tracking() -> None:
    linked = "http://Example.com/2023/09/%d8%ae%d8%a8%d8%b1/?p=2&a=1&utm_source=rss&fbclid=x#comments"
    assert request_url(linked) == "http://Example.com/2023/09/%d8%ae%d8%a8%d8%b1/?p=2&a=1"
    assert request_url("https://example.com/a?utm_medium=x") == "https://example.com/a"
    assert request_url("https://example.com/a?amp=1&x&&y=%d8") == "https://example.com/a?amp=1&x&&y=%d8"
    # The identity is untouched: both spellings are one canonical URL.
    assert canonical_url(linked) == canonical_url("http://example.com/2023/09/خبر/?a=1&p=2")


def test_two_spellings_of_one_page_have_one_fingerprint() -> None:
    from crawler.config import parse_site

    site = parse_site(Path("x.toml"), {"name": "x", "start_urls": ["https://www.example.com/"]})
    lower = "https://www.example.com/2023/09/%d8%ae/?b=1&a=2"
    upper = "http://example.com/2023/09/%D8%AE/?a=2&b=1&utm_source=x"
    prints = CanonicalFingerprinter()
    one, two = (Request(u, meta=identity_meta(site, u)) for u in (lower, upper))
    assert one.url == lower  # Scrapy keeps the lower-case escapes
    assert prints.fingerprint(one) == prints.fingerprint(two)
    assert prints.fingerprint(one) != prints.fingerprint(Request(lower.replace("%ae", "%af")))


@pytest.fixture
def wordpress() -> tuple[WordPressSite, SiteServer]:
    site = WordPressSite()
    with SiteServer(site) as server:
        yield site, server


def test_wordpress_site_with_lower_case_permalinks_is_crawled_completely(
    wordpress: tuple[WordPressSite, SiteServer], rasd_env: dict[str, str]
) -> None:
    site, server = wordpress
    write_site(Path(rasd_env["RASD_SITES"]), "wp", server.url, feeds=[],
               sitemaps=[f"{server.url}/sitemap.xml"], article_urls=[r"/20\d\d/\d\d/[^/]+/$", r"/\?p=\d+$"],
               follow=[r"/page/\d+/$"])

    counts = summary_row(crawl(rasd_env, "wp"), "wp")
    assert counts["new"] == counts["fetched"] == 16
    # No redirect_loop: neither for the redirects to the site's spelling, nor for the
    # shortlink redirected to a post requested already.
    assert counts["errors"] == 0
    # Each post requested once in the site's spelling; the 4 linked only in other spellings
    # (raw Arabic, which is sent upper-case, and upper-case hex) reached it by following the
    # server's redirect. Post 0, linked again in upper-case hex, is not requested twice.
    assert sorted(site.served_posts()) == sorted(p.path for p in site.posts)
    # Post 0 is also the read-also link of post 15 (in upper-case hex), which the sitemap
    # leads to: when post 15 is read before the front page, that spelling is the one
    # requested first and redirected — still one fetch of post 0, as served_posts shows.
    others = site.other_spellings()
    assert len(others) == len(set(others))
    assert {p.upper_path for p in site.hidden} <= set(others) <= {p.upper_path for p in [*site.hidden, site.posts[0]]}
    assert site.requests.count("/?p=3") == 1

    docs = {d["title"]: d for d in stored(rasd_env)}
    assert len(docs) == 16
    for post in site.posts:
        doc = docs[post.title]
        assert doc["url"] == canonical_url(server.url + post.path)   # the identity
        assert doc["final_url"] == server.url + post.path            # the server's spelling
        assert doc["published"].replace(tzinfo=UTC) == post.published
        # hAtom's <time class="updated">, on pages without JSON-LD
        if post.modified:
            assert doc["modified"].replace(tzinfo=UTC) == post.modified
        else:
            assert doc.get("modified") is None

    # The next run re-checks the young posts where the server serves them: no redirect.
    site.requests.clear()
    crawl(rasd_env, "wp")
    assert sorted(site.served_posts()) == sorted(p.path for p in site.posts)
    assert site.other_spellings() == []


def test_site_strict_about_query_order_is_crawled_as_linked(rasd_env: dict[str, str]) -> None:
    site = StrictQuerySite()
    with SiteServer(site) as server:
        write_site(Path(rasd_env["RASD_SITES"]), "strict", server.url, feeds=[], sitemaps=[],
                   article_urls=[r"/article\.php\?"], follow=[])
        counts = summary_row(crawl(rasd_env, "strict"), "strict")
    assert counts["new"] == 5 and counts["errors"] == 0
    asked = sorted(t for t in site.requests if t.startswith("/article.php"))
    assert asked == sorted(f"/article.php?{site.query(n)}" for n in site.ids)


def test_hatom_updated_time_is_the_modification_date() -> None:
    site = WordPressSite(n=4)
    edited, untouched = site.posts[0], site.posts[1]
    fields = extract_article(site.post_html(edited), "http://127.0.0.1/x/")
    assert fields["published"] == edited.published.isoformat()
    assert fields["modified"] == edited.modified.isoformat()
    # "entry-date published updated" on one element: published, never modified.
    fields = extract_article(site.post_html(untouched), "http://127.0.0.1/x/")
    assert fields["published"] == untouched.published.isoformat()
    assert not fields.get("modified")
