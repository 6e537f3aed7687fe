"""Duplicates end to end: one article under many URLs is stored once; a syndicated copy on
another site is linked to the original. Real crawls of local sites through `rasd crawl`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.urls import canonical_url
from tests.conftest import crawl, run_rasd, stored, write_site
from tests.localsite import SENTENCES, NewsSite, SiteServer, Story

pytestmark = pytest.mark.slow

CHANGED = "وأضاف المتحدث باسم الخارجية أن بلاده تراقب الوضع عن كثب وتدعو جميع الأطراف إلى ضبط النفس."



def test_same_article_through_amp_tracking_and_canonical_links_is_stored_once(
    news_site: tuple[NewsSite, SiteServer], rasd_env: dict[str, str]
) -> None:
    site, server = news_site
    story = site.stories[3]
    site.extra_links = [
        f"/amp{story.path}",                                  # AMP page, canonical link back
        f"{story.path}?utm_source=twitter&fbclid=IwAR0abc",   # tracking parameters
        f"{story.path}?amp=1",                                # AMP switch
        f"/news/{story.id}",                                  # short link, canonical has the slug
        f"{server.url}{story.path}#comments",                 # fragment
    ]
    write_site(Path(rasd_env["RASD_SITES"]), "local", server.url)
    crawl(rasd_env, "local")

    docs = stored(rasd_env)
    copies = [d for d in docs if d["title"] == story.title]
    assert len(copies) == 1
    assert len(docs) == 12
    doc = copies[0]
    assert doc["url"] == canonical_url(f"{server.url}{story.path}")
    assert canonical_url(f"{server.url}/amp{story.path}") in doc["aliases"]
    assert canonical_url(f"{server.url}/news/{story.id}") in doc["aliases"]
    assert server.hits.get(f"/amp/news/{story.id}/{story.title.split()[0]}", 0) <= 1

    # Next run: every one of those URLs is known, so none is fetched again.
    server.reset_counts()
    crawl(rasd_env, "local")
    assert server.article_hits() == 0
    assert len(stored(rasd_env)) == 12

    # The CLI finds the article under any of its URLs.
    shown = run_rasd("article", f"{server.url}/amp{story.path}", "--format", "json", env=rasd_env,
                     check=True).stdout
    assert json.loads(shown)["url"] == doc["url"]


def long_story(story_id: int, site: NewsSite, paragraphs: list[str] | None = None) -> Story:
    """A full-length wire story (twelve paragraphs), as agencies syndicate them."""
    return Story(
        id=story_id, title="الخارجية: مباحثات موسعة حول الأزمة الإقليمية وتطوراتها",
        paragraphs=paragraphs or [
            f"{SENTENCES[k % len(SENTENCES)]} وأفاد مصدر مطلع لمراسلنا بأن الجانب رقم {k} من القضية ما زال قيد البحث."
            for k in range(12)
        ],
        published=site.now - timedelta(hours=1), tags=["سياسة"], source="وكالة الأنباء",
    )


def syndicated_sites() -> tuple[NewsSite, Story, NewsSite, Story]:
    original_site = NewsSite(n=4)
    original = long_story(50, original_site)
    original_site.stories[original.id] = original
    copy_site = NewsSite(n=0, name="الشروق نيوز")
    paragraphs = list(original.paragraphs)
    paragraphs[5] = CHANGED + paragraphs[5].split(".", 1)[1]   # one sentence rewritten
    copy = long_story(7, copy_site, paragraphs)
    # Republished the next day (the local site's pages print the day, not the time).
    copy.published = original.published + timedelta(days=1)
    copy_site.stories[copy.id] = copy
    return original_site, original, copy_site, copy


@pytest.mark.parametrize("copy_first", [False, True], ids=["original-first", "copy-first"])
def test_syndicated_copy_with_one_sentence_changed_is_duplicate_of_the_original(
    rasd_env: dict[str, str], copy_first: bool
) -> None:
    original_site, original, copy_site, copy = syndicated_sites()
    folder = Path(rasd_env["RASD_SITES"])
    with SiteServer(original_site) as a, SiteServer(copy_site) as b:
        write_site(folder, "watan", a.url)
        write_site(folder, "shorouk", b.url)
        # Whichever is crawled first, the earliest publication is the one the others point to.
        for name in (["shorouk", "watan"] if copy_first else ["watan", "shorouk"]):
            crawl(rasd_env, name)
        original_url = canonical_url(f"{a.url}{original.path}")
        copy_url = canonical_url(f"{b.url}{copy.path}")

    docs = {d["url"]: d for d in stored(rasd_env)}
    assert len(docs) == 4 + 1 + 1           # both copies kept
    assert docs[copy_url]["duplicate_of"] == original_url
    assert docs[original_url]["duplicate_of"] is None
    assert docs[copy_url]["cluster_id"] == docs[original_url]["cluster_id"]
    assert docs[copy_url]["site"] == "shorouk"
    others = [d for u, d in docs.items() if u not in (copy_url, original_url)]
    assert all(d["duplicate_of"] is None for d in others)
    assert len({d["cluster_id"] for d in others}) == len(others)

    exported = [json.loads(line) for line in run_rasd("export", env=rasd_env, check=True).stdout.splitlines()]
    assert {e["url"]: e["duplicate_of"] for e in exported}[copy_url] == original_url


def test_drop_duplicates_keeps_only_the_first_copy_and_does_not_refetch_the_other(
    rasd_env: dict[str, str]
) -> None:
    original_site, _original, copy_site, copy = syndicated_sites()
    folder = Path(rasd_env["RASD_SITES"])
    with SiteServer(original_site) as a, SiteServer(copy_site) as b:
        write_site(folder, "watan", a.url)
        write_site(folder, "shorouk", b.url, drop_duplicates=True)
        crawl(rasd_env, "watan")
        out = crawl(rasd_env, "shorouk")
        copy_url = canonical_url(f"{b.url}{copy.path}")
        assert copy_url not in {d["url"] for d in stored(rasd_env)}
        assert len(stored(rasd_env)) == 5
        row = next(line.split() for line in out.splitlines() if line.startswith("shorouk"))
        assert row[2] == "0" and row[5] == "1"  # new, duplicates
        b.reset_counts()
        crawl(rasd_env, "shorouk")
        assert b.article_hits() == 0
