"""Incremental re-crawls and edit history, end to end: real `rasd crawl` runs against the
local site, with requests counted at the server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

from crawler.storage.store import Store
from crawler.urls import canonical_url
from tests.conftest import crawl, run_rasd, stored, write_site
from tests.localsite import NewsSite, SiteServer

pytestmark = pytest.mark.slow



def test_recrawl_of_unchanged_site_fetches_no_article_and_stores_nothing(
    news_site: tuple[NewsSite, SiteServer], rasd_env: dict[str, str]
) -> None:
    _site, server = news_site
    write_site(Path(rasd_env["RASD_SITES"]), "local", server.url)
    crawl(rasd_env, "local")
    first = stored(rasd_env)
    assert len(first) == 12
    # Each article fetched exactly once, although feed, sitemap and listings all link to it.
    fetched = server.article_fetches()
    assert len(fetched) == 12 and len(set(fetched)) == 12

    server.reset_counts()
    out = crawl(rasd_env, "local")
    assert server.article_hits() == 0
    # Discovery pages are still read: that is how new and changed articles are found.
    assert server.hits.get("/rss.xml") and server.hits.get("/sitemap-news.xml") and server.hits.get("/")
    again = stored(rasd_env)
    assert len(again) == 12
    assert {d["_id"]: d["version"] for d in again} == {d["_id"]: 1 for d in first}
    row = next(line.split() for line in out.splitlines() if line.startswith("local"))
    assert row[1:3] == ["0", "0"]  # fetched, new


def test_new_and_edited_articles_are_the_only_fetches_and_the_edit_is_versioned(
    news_site: tuple[NewsSite, SiteServer], rasd_env: dict[str, str]
) -> None:
    site, server = news_site
    write_site(Path(rasd_env["RASD_SITES"]), "local", server.url)
    crawl(rasd_env, "local")
    edited = site.stories[3]
    old_body_para = edited.paragraphs[-1]
    new = site.publish(2)
    added = "وفي تحديث لاحق، أعلنت الوزارة أن الاجتماع المقبل سيعقد في العاصمة الأسبوع القادم."
    site.edit(3, added)

    server.reset_counts()
    crawl(rasd_env, "local")
    expected = sorted(s.path for s in [*new, edited])
    assert sorted(server.article_fetches()) == sorted(unquote(p) for p in expected)
    docs = stored(rasd_env)
    assert len(docs) == 14
    url = canonical_url(f"{server.url}{edited.path}")
    doc = next(d for d in docs if d["url"] == url)
    assert doc["version"] == 2
    assert added in doc["body"] and old_body_para in doc["body"]
    assert doc["modified"] == edited.modified
    with Store(rasd_env["RASD_DB"]) as store:
        versions = store.article_versions(doc["_id"])
    assert len(versions) == 1
    assert versions[0]["version"] == 1 and "body" in versions[0]["changed"]
    assert added not in versions[0]["previous"]["body"]

    shown = run_rasd("article", url, "--versions", env=rasd_env, check=True).stdout
    assert "v1 → v2" in shown
    assert f"+{added}" in shown
    as_json = json.loads(run_rasd("article", url, "--versions", "--format", "json",
                                  env=rasd_env, check=True).stdout)
    assert as_json["version"] == 2 and as_json["changes"][0]["old"] == 1

    # A third crawl: nothing changed since, so nothing is fetched and no version is added.
    server.reset_counts()
    crawl(rasd_env, "local")
    assert server.article_hits() == 0
    assert next(d for d in stored(rasd_env) if d["url"] == url)["version"] == 2


def test_articles_inside_the_recheck_window_cost_a_304(rasd_env: dict[str, str]) -> None:
    # Published in the last few hours: newsrooms still edit such articles, so they are rechecked.
    site = NewsSite(n=6, now=datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5))
    with SiteServer(site) as server:
        write_site(Path(rasd_env["RASD_SITES"]), "local", server.url)
        crawl(rasd_env, "local")
        assert len(server.article_fetches()) == 6
        server.reset_counts()
        crawl(rasd_env, "local")
        assert server.article_hits() == 6      # every young article asked about once…
        assert server.not_modified() == 6      # …and answered 304, costing no page
        assert server.article_fetches() == []

        site.edit(0, "وأكدت المصادر لاحقاً أن المفاوضات ستستأنف مطلع الشهر المقبل في العاصمة.")
        server.reset_counts()
        crawl(rasd_env, "local")
        assert [p.split("/")[2] for p in server.article_fetches()] == ["0"]
        assert sorted(d["version"] for d in stored(rasd_env)) == [1, 1, 1, 1, 1, 2]

        # recheck_window = "0" turns rechecks off: young articles are not asked about either.
        write_site(Path(rasd_env["RASD_SITES"]), "local", server.url, recheck_window="0")
        server.reset_counts()
        crawl(rasd_env, "local")
        assert server.article_hits() == 0
