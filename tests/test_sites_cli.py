"""``rasd sites``: the catalogue with entry points and health, and ``--check`` against a
local news site (real spider, real HTTP on 127.0.0.1, nothing stored)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.storage.store import Store, utcnow
from tests.conftest import FAST, run_rasd, write_site


def test_lists_builtin_sites_without_creating_a_database(rasd_env: dict[str, str]) -> None:
    proc = run_rasd("sites", env=rasd_env, check=True)
    for name in ("youm7", "bbcarabic", "aljazeera", "hespress", "lbcgroup"):
        assert name in proc.stdout
    assert "2 feeds, 1 listing" in proc.stdout  # youm7's entry points
    assert "unknown (no database yet)" in proc.stdout
    assert not Path(rasd_env["RASD_DB"]).exists()


def test_details_show_entry_points_and_layouts(rasd_env: dict[str, str]) -> None:
    out = run_rasd("sites", "youm7", env=rasd_env, check=True).stdout
    assert "feed     https://www.youm7.com/rss/SectionRss?SectionID=65" in out
    assert "layout 2023 (2023-01-01 – …): body" in out
    assert "layout classic (… – 2023-01-01): body" in out
    data = json.loads(run_rasd("sites", "youm7", "--format", "json", env=rasd_env, check=True).stdout)
    assert data[0]["feeds"][0].startswith("https://www.youm7.com/rss/")
    assert [lo["name"] for lo in data[0]["layouts"]] == ["2023", "classic"]
    assert data[0]["health"] is None


def test_unknown_site_is_a_config_error(rasd_env: dict[str, str]) -> None:
    proc = run_rasd("sites", "nosuchsite", env=rasd_env)
    assert proc.returncode == 2 and "unknown site(s): nosuchsite" in proc.stderr
    proc = run_rasd("sites", "--check", "nosuchsite", env=rasd_env)
    assert proc.returncode == 2 and "unknown site 'nosuchsite'" in proc.stderr


@pytest.mark.slow
def test_health_after_a_crawl(news_site, rasd_env: dict[str, str]) -> None:
    site, server = news_site
    folder = Path(rasd_env["RASD_SITES"])
    write_site(folder, "local", server.url, schedule="30m")
    write_site(folder, "quiet", "http://quiet.example", schedule="1h")
    write_site(folder, "broken", "http://broken.example", schedule="1h")
    run_rasd("crawl", "local", *FAST, env=rasd_env, check=True)
    with Store(rasd_env["RASD_DB"]) as store:
        # A site whose only article is three days old, and one whose last three runs failed.
        store.save_article({"url": "http://quiet.example/news/1", "site": "quiet", "fingerprint": "x"},
                           now=utcnow() - timedelta(days=3))
        for minutes in (90, 30, 1):
            store.insert_run({"site": "broken", "status": "failed", "fetched": 0,
                                   "started": utcnow() - timedelta(minutes=minutes)})

    data = {s["name"]: s["health"] for s in json.loads(
        run_rasd("sites", "--format", "json", env=rasd_env, check=True).stdout)}
    assert data["local"]["state"] == "healthy"
    assert data["local"]["articles_24h"] == len(site.stories)
    assert (data["quiet"]["state"], data["quiet"]["articles_24h"]) == ("degraded", 0)
    assert data["broken"]["state"] == "failing"
    assert data["youm7"]["state"] == "degraded" and "never crawled" in data["youm7"]["reason"]
    table = run_rasd("sites", env=rasd_env, check=True).stdout
    assert f"{len(site.stories)} articles in 24h" in table
    assert "failing: last 3 runs failed" in table


@pytest.mark.slow
def test_check_fetches_one_entry_point_and_one_article(news_site, rasd_env: dict[str, str]) -> None:
    site, server = news_site
    # The first feed is gone: the check reports it and moves on to the next entry point.
    write_site(Path(rasd_env["RASD_SITES"]), "local", server.url,
               feeds=[f"{server.url}/gone.xml", f"{server.url}/rss.xml"])
    proc = run_rasd("sites", "--check", "local", *FAST, env=rasd_env)
    assert proc.returncode == 0, proc.stderr
    newest = site.ordered()[0]
    assert f"{server.url}/gone.xml\n         HTTP 404" in proc.stdout
    assert f"{server.url}/rss.xml\n         HTTP 200, {len(site.stories)} article links" in proc.stdout
    assert f"title:     {newest.title}" in proc.stdout
    assert "body:      " in proc.stdout and "read also: 2 links" in proc.stdout
    assert server.article_hits() == 1
    assert server.hits.get("/sitemap.xml") is None and server.hits.get("/") is None
    assert not Path(rasd_env["RASD_DB"]).exists()  # nothing stored

    data = json.loads(run_rasd("sites", "--check", "local", "--format", "json", *FAST, env=rasd_env,
                               check=True).stdout)
    assert data["ok"] is True
    assert data["article"]["title"] == newest.title
    assert data["article"]["body"].startswith(newest.paragraphs[0][:40])


@pytest.mark.slow
def test_check_follows_a_sitemap_index_and_reports_failure(news_site, rasd_env: dict[str, str]) -> None:
    _, server = news_site
    folder = Path(rasd_env["RASD_SITES"])
    write_site(folder, "local", server.url, feeds=[], start_urls=[])
    proc = run_rasd("sites", "--check", "local", *FAST, env=rasd_env)
    assert proc.returncode == 0, proc.stderr
    assert f"sitemap  {server.url}/sitemap-news.xml\n         HTTP 200" in proc.stdout
    assert server.article_hits() == 1

    # A listing page, and a layout that no longer fits: the check says what to fix.
    write_site(folder, "local", server.url, feeds=[], sitemaps=[])
    (folder / "local.toml").write_text((folder / "local.toml").read_text(encoding="utf-8") + (
        '[[layouts]]\nname = "old"\nuntil = 2001-01-01\n[layouts.selectors]\nbody = "div.gone p"\n'),
        encoding="utf-8")
    proc = run_rasd("sites", "--check", "local", *FAST, env=rasd_env)
    assert proc.returncode == 0, proc.stderr
    assert f"listing  {server.url}/\n         HTTP 200" in proc.stdout
    assert "warning: none of the site's [[layouts]] fits this page" in proc.stdout
    assert server.article_hits() == 2

    write_site(folder, "local", server.url, feeds=[f"{server.url}/gone.xml"], sitemaps=[], start_urls=[])
    proc = run_rasd("sites", "--check", "local", *FAST, env=rasd_env)
    assert proc.returncode == 1
    assert "no article link found in any entry point" in proc.stdout
