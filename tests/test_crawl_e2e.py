"""End to end: the local Arabic news site crawled for real through `rasd crawl`, then read
back through `rasd articles`, `rasd article` and `rasd export`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from crawler.arabic import normalise
from tests.conftest import FAST, ROOT, run_rasd, write_site
from tests.localsite import NewsSite, SiteServer

EXPORT_FIELDS = {"url", "site", "title", "published", "modified", "authors", "source", "tags", "body",
                 "read_also", "first_seen", "last_seen", "version", "duplicate_of"}


def summary_row(stdout: str, site: str) -> dict[str, int]:
    lines = [line.split() for line in stdout.splitlines() if line.strip()]
    header = lines[0]
    row = next(r for r in lines if r[0] == site)
    # the counts; status is one word and the free-text reason comes last
    return {h: int(v) for h, v in zip(header, row, strict=False) if h not in ("site", "status", "reason")}


def test_crawl_store_and_query(news_site: tuple[NewsSite, SiteServer], rasd_env: dict[str, str]) -> None:
    site, server = news_site
    write_site(Path(rasd_env["RASD_SITES"]), "local", server.url)

    proc = run_rasd("crawl", "local", *FAST, env=rasd_env)
    assert proc.returncode == 0, proc.stderr
    counts = summary_row(proc.stdout, "local")
    assert counts["new"] == len(site.stories) == 12
    assert counts["fetched"] == 12 and counts["errors"] == 0
    # Each article fetched once although feed, sitemap, listings and read-also all link to it.
    assert all(n == 1 for path, n in server.hits.items() if path.startswith("/news/"))

    listed = json.loads(run_rasd("articles", "--format", "json", "--limit", "0", env=rasd_env, check=True).stdout)
    by_title = {a["title"]: a for a in listed}
    assert set(by_title) == {s.title for s in site.stories.values()}

    story = site.stories[0]
    art = by_title[story.title]
    assert art["site"] == "local"
    # "12th, September 2023 GMT" on the page; the feed and sitemap tell the time (issue 13.3)
    assert art["published"] == "2023-09-12T09:00:00Z"
    assert art["source"] == "الوطن"
    # Tags deduplicated on their normalised form; the Persian spelling of the first is dropped.
    assert art["tags"] == ["كوريا الشمالية", "بيونج يانج"]
    assert art["body"].split("\n\n") == story.paragraphs
    for noise in ("الأكثر قراءة", "جميع الحقوق", "شارك", "إقرأ أيضاً", "كلمات دلالية", "المصدر"):
        assert noise not in art["body"]
    related = [site.stories[i] for i in story.related]
    assert [r["title"] for r in art["read_also"]] == [r.title for r in related]
    assert all(r["url"].startswith(server.url + "/news/") for r in art["read_also"])
    assert art["read_also"][0]["snippet"] == related[0].lead
    assert art["version"] == 1 and art["duplicate_of"] is None

    one = json.loads(run_rasd("article", art["url"], "--format", "json", env=rasd_env, check=True).stdout)
    assert one["title"] == story.title
    assert all(link["stored"] for link in one["read_also"])
    text = run_rasd("article", art["id"], env=rasd_env, check=True).stdout
    assert story.title in text and "read also:" in text and "[stored]" in text

    lines = run_rasd("export", env=rasd_env, check=True).stdout.splitlines()
    exported = [json.loads(line) for line in lines]
    assert len(exported) == 12
    for a in exported:
        assert EXPORT_FIELDS <= set(a)
        assert a["published"].endswith("Z") and a["first_seen"].endswith("Z")
        assert all({"url", "title"} <= set(link) for link in a["read_also"])

    found = json.loads(run_rasd("articles", "--search", "كوريا الشماليه", "--format", "json",
                                env=rasd_env, check=True).stdout)
    key = normalise("كوريا الشمالية")
    expected = {s.title for s in site.stories.values()
                if any(key in normalise(text) for text in [s.title, *s.paragraphs, *s.tags])}
    assert expected and {a["title"] for a in found} == expected
    csv_out = run_rasd("articles", "--site", "local", "--format", "csv", "--limit", "3", env=rasd_env, check=True)
    assert len(csv_out.stdout.strip().splitlines()) == 4

    # A second run of an unchanged site stores nothing new.
    again = run_rasd("crawl", "local", *FAST, env=rasd_env)
    assert again.returncode == 0
    assert summary_row(again.stdout, "local")["new"] == 0


def test_scrapy_crawl_news_works_too(news_site: tuple[NewsSite, SiteServer], rasd_env: dict[str, str]) -> None:
    _, server = news_site
    write_site(Path(rasd_env["RASD_SITES"]), "local", server.url)
    env = {**os.environ, **rasd_env, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "site=local", *FAST, "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(run_rasd("export", env=rasd_env, check=True).stdout.splitlines()) == 12


def test_page_errors_are_counted_and_exit_is_still_0(
    news_site: tuple[NewsSite, SiteServer], rasd_env: dict[str, str]
) -> None:
    _, server = news_site
    write_site(Path(rasd_env["RASD_SITES"]), "local", server.url,
               feeds=[f"{server.url}/missing-feed.xml"], sitemaps=[], start_urls=[f"{server.url}/"])
    # A user's -s wins over the CLI's own defaults (here the log level it sets itself).
    proc = run_rasd("crawl", "local", *FAST, "-s", "LOG_LEVEL=ERROR", env=rasd_env)
    assert proc.returncode == 0, proc.stderr
    counts = summary_row(proc.stdout, "local")
    assert counts["errors"] >= 1 and counts["new"] > 0
    assert "missing-feed.xml" not in proc.stderr  # the 404 is a WARNING, below ERROR


def test_database_and_usage_errors_exit_non_zero(news_site: tuple[NewsSite, SiteServer],
                                                 rasd_env: dict[str, str], tmp_path: Path) -> None:
    _, server = news_site
    write_site(Path(rasd_env["RASD_SITES"]), "local", server.url)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    bad_db = run_rasd("crawl", "local", "--db", str(blocker / "rasd.db"), env=rasd_env)
    assert bad_db.returncode == 3 and "database error" in bad_db.stderr
    # Global options count before the command too.
    before = run_rasd("--db", str(blocker / "rasd.db"), "crawl", "local", env=rasd_env)
    assert before.returncode == 3 and "database error" in before.stderr
    assert server.article_hits() == 0
    unknown = run_rasd("crawl", "nosuchsite", env=rasd_env)
    assert unknown.returncode == 2 and "unknown site" in unknown.stderr and "local" in unknown.stderr
    assert run_rasd("crawl", env=rasd_env).returncode != 0
    missing = run_rasd("article", "https://nowhere.example/x", env=rasd_env)
    assert missing.returncode == 1 and "no stored article" in missing.stderr


def test_help_names_default_database() -> None:
    proc = run_rasd("--help", env={"RASD_DB": ""})
    assert proc.returncode == 0
    assert "Default database" in proc.stdout and "rasd.db" in proc.stdout
