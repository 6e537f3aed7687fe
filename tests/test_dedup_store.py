"""Duplicate detection and edit history in the store itself (the embedded SQLite store,
under the same save policy as MongoDB): exact aliases, near-duplicates found through
persisted LSH bands — also from another process — and versions."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.arabic import normalise
from crawler.storage import neardup
from crawler.storage.query import ArticleQuery
from crawler.storage.store import Store
from pipelines.normalise import fingerprint
from tests.conftest import ROOT, run_rasd, write_site
from tests.localsite import SENTENCES

T0 = datetime(2023, 9, 12, 8, 0, tzinfo=UTC)
WIRE = [f"{SENTENCES[k % len(SENTENCES)]} وأفاد مصدر مطلع لمراسلنا بأن الجانب رقم {k} من القضية ما زال قيد البحث."
        for k in range(12)]
OTHER = [f"أعلن الاتحاد المحلي لكرة القدم أن المباراة رقم {k} ستقام على الملعب الرئيسي بحضور الجمهور الكامل."
         for k in range(12)]


def article(url: str, site: str, paragraphs: list[str], published: datetime = T0, **extra: Any) -> dict:
    """A document as the pipelines hand it to the store."""
    body = "\n\n".join(paragraphs)
    doc = {"url": url, "site": site, "title": "عنوان الخبر", "body": body, "published": published,
           "fingerprint": fingerprint(normalise(body)), "fetched_at": published, **extra}
    keys = neardup.keys(normalise(body))
    if keys:
        doc.update(minhash=keys.signature, lsh=keys.bands)
    return doc


def one_sentence_changed(paragraphs: list[str]) -> list[str]:
    out = list(paragraphs)
    out[5] = "وأضاف المتحدث باسم الخارجية أن بلاده تراقب الوضع عن كثب." + out[5].split(".", 1)[1]
    return out


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(str(tmp_path / "rasd.db")) as s:
        yield s


def test_same_text_under_another_url_of_the_same_site_becomes_an_alias(store: Store) -> None:
    assert store.save_article(article("https://a.example/news/1", "a", WIRE)).outcome == "new"
    result = store.save_article(article("https://a.example/news/1?page=all", "a", WIRE))
    assert result.outcome == "alias"
    assert store.count_articles(ArticleQuery()) == 1
    assert store.known_articles(["https://a.example/news/1?page=all"])["https://a.example/news/1?page=all"][
        "url"] == "https://a.example/news/1"
    # Seen again under the alias: the same article, unchanged.
    assert store.save_article(article("https://a.example/news/1?page=all", "a", WIRE)).outcome == "unchanged"


def test_near_duplicate_on_another_site_points_to_the_earliest_copy(store: Store) -> None:
    store.save_article(article("https://a.example/1", "a", WIRE))
    copy = article("https://b.example/9", "b", one_sentence_changed(WIRE), T0 + timedelta(hours=3))
    result = store.save_article(copy)
    assert result.outcome == "new" and result.duplicate_of == "https://a.example/1"
    third = store.save_article(article("https://c.example/5", "c", WIRE, T0 + timedelta(hours=5)))
    assert third.duplicate_of == "https://a.example/1"   # the root, not the copy it matched
    unrelated = store.save_article(article("https://a.example/2", "a", OTHER))
    assert unrelated.duplicate_of is None
    docs = {d["url"]: d for d in store.iter_articles()}
    assert len({docs[u]["cluster_id"] for u in ("https://a.example/1", "https://b.example/9",
                                                 "https://c.example/5")}) == 1
    assert docs["https://a.example/2"]["cluster_id"] != docs["https://a.example/1"]["cluster_id"]
    assert 0.8 <= docs["https://b.example/9"]["duplicate_similarity"] < 1


def test_an_earlier_copy_found_later_becomes_the_root_of_its_cluster(store: Store) -> None:
    store.save_article(article("https://b.example/9", "b", one_sentence_changed(WIRE), T0 + timedelta(days=1)))
    store.save_article(article("https://c.example/5", "c", WIRE, T0 + timedelta(days=2)))
    store.save_article(article("https://a.example/1", "a", WIRE, T0))
    dup = {d["url"]: d["duplicate_of"] for d in store.iter_articles()}
    assert dup == {"https://a.example/1": None, "https://b.example/9": "https://a.example/1",
                   "https://c.example/5": "https://a.example/1"}
    # The new root alone stands for the cluster in the LSH index.
    assert [d["url"] for d in store.iter_articles() if "lsh" in d] == ["https://a.example/1"]


def test_a_large_cluster_is_one_candidate(store: Store) -> None:
    """Sixty copies of one story (a wire story on every site, a daily price bulletin): only
    the earliest copy keeps its LSH bands, so the next copy's check sees one candidate, not
    sixty — also after the copies are fetched again with edited text."""
    for i in range(60):
        text = [f"{p} النسخة {i}" if k == 11 else p for k, p in enumerate(WIRE)]
        store.save_article(article(f"https://s{i % 20}.example/{i}", f"s{i % 20}", text,
                                   T0 + timedelta(minutes=i)))
    for i in range(1, 60, 7):  # refetched, edited: still a copy, still out of the index
        edited = [f"{p} النسخة {i} المعدلة" if k == 11 else p for k, p in enumerate(WIRE)]
        assert store.save_article(article(f"https://s{i % 20}.example/{i}", f"s{i % 20}", edited,
                                          T0 + timedelta(minutes=i))).outcome == "updated"
    docs = list(store.iter_articles())
    assert {d["duplicate_of"] for d in docs} == {None, "https://s0.example/0"}
    assert [d["url"] for d in docs if d.get("lsh")] == ["https://s0.example/0"]
    probe = article("https://z.example/1", "z", one_sentence_changed(WIRE), T0 + timedelta(days=1))
    assert store.band_matches(probe["lsh"]) == 1
    assert store.find_near_duplicate(probe).root == "https://s0.example/0"


def test_drop_duplicates_stores_no_copy_but_remembers_its_url(store: Store) -> None:
    store.save_article(article("https://a.example/1", "a", WIRE))
    result = store.save_article(article("https://b.example/9", "b", one_sentence_changed(WIRE)),
                                drop_duplicates=True)
    assert result.outcome == "duplicate" and result.duplicate_of == "https://a.example/1"
    assert store.count_articles(ArticleQuery()) == 1
    assert "https://b.example/9" in store.known_articles(["https://b.example/9"])


def test_short_texts_are_never_called_duplicates(store: Store) -> None:
    store.save_article(article("https://a.example/v1", "a", ["فيديو"]))
    assert store.save_article(article("https://a.example/v2", "a", ["فيديو"])).outcome == "new"


def _save_in_child(db: str, doc_args: list[Any]) -> None:
    code = ("import json,sys; from datetime import datetime; from crawler.storage.store import Store; "
            "from tests.test_dedup_store import article; a=json.loads(sys.argv[1]); "
            "a[3]=datetime.fromisoformat(a[3]); s=Store(sys.argv[2]); s.save_article(article(*a)); s.close()")
    subprocess.run([sys.executable, "-c", code, json.dumps(doc_args), db], cwd=ROOT, check=True,
                   env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_near_duplicates_are_found_across_processes(tmp_path: Path) -> None:
    """The LSH index lives in the database: a copy saved by this process matches an original
    saved by another one, with nothing shared in memory."""
    db = str(tmp_path / "rasd.db")
    _save_in_child(db, ["https://a.example/1", "a", WIRE, T0.isoformat()])
    with Store(db) as store:
        result = store.save_article(article("https://b.example/9", "b", one_sentence_changed(WIRE),
                                            T0 + timedelta(hours=1)))
    assert result.duplicate_of == "https://a.example/1"


def test_an_edit_keeps_the_previous_version_with_what_changed(store: Store) -> None:
    url = "https://a.example/1"
    store.save_article(article(url, "a", WIRE[:6]))
    assert store.save_article(article(url, "a", WIRE[:6])).outcome == "unchanged"
    edited = article(url, "a", [*WIRE[:6], "وفي تحديث لاحق أعلنت الوزارة موعد الاجتماع المقبل."],
                     modified=T0 + timedelta(hours=5), fetched_at=T0 + timedelta(hours=6))
    result = store.save_article(edited)
    assert result.outcome == "updated" and set(result.changed) == {"body", "modified"}
    retitled = article(url, "a", edited["body"].split("\n\n"), modified=T0 + timedelta(hours=5),
                       title="عنوان معدل للخبر")
    assert store.save_article(retitled).changed == ("title",)
    doc = store.get_article(url)
    assert doc["version"] == 3 and doc["title"] == "عنوان معدل للخبر"
    versions = store.article_versions(doc["_id"])
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["previous"]["body"] == "\n\n".join(WIRE[:6])
    assert versions[1]["changed"] == ["title"]


def test_a_date_missing_on_refetch_is_not_an_edit(store: Store) -> None:
    url = "https://a.example/1"
    store.save_article(article(url, "a", WIRE, modified=T0))
    assert store.save_article(article(url, "a", WIRE)).outcome == "unchanged"


def test_rasd_article_versions_prints_a_readable_diff(tmp_path: Path) -> None:
    db = str(tmp_path / "rasd.db")
    url = "https://a.example/1"
    with Store(db) as store:
        store.save_article(article(url, "a", WIRE[:3]))
        changed = [WIRE[0], "فقرة معدلة: " + WIRE[1], WIRE[2]]
        store.save_article(article(url, "a", changed, modified=T0 + timedelta(hours=2)))
    out = run_rasd("article", url, "--versions", "--db", db, check=True).stdout
    assert "v1 → v2" in out and "changed: body, modified" in out
    assert f"-{WIRE[1]}" in out and f"+فقرة معدلة: {WIRE[1]}" in out
    assert f" {WIRE[0]}" not in out  # unchanged paragraphs are not repeated


def test_rasd_article_versions_of_a_never_edited_article(tmp_path: Path) -> None:
    """Issue 13.1: an article stored once has no edits — that is an answer, not a crash."""
    db = str(tmp_path / "rasd.db")
    url = "https://a.example/1"
    with Store(db) as store:
        store.save_article(article(url, "a", WIRE[:3]))
    out = run_rasd("article", url, "--versions", "--db", db, check=True).stdout
    assert "version 1 · 0 edits seen" in out
    shown = json.loads(run_rasd("article", url, "--versions", "--format", "json", "--db", db,
                                check=True).stdout)
    assert shown == {"url": url, "version": 1, "changes": []}


def test_rasd_article_shows_which_read_also_links_are_stored(tmp_path: Path) -> None:
    db = str(tmp_path / "rasd.db")
    with Store(db) as store:
        store.save_article(article("https://a.example/2", "a", OTHER, aliases=["https://a.example/amp/2"]))
        store.save_article(article("https://a.example/1", "a", WIRE, read_also=[
            {"url": "https://a.example/2", "title": "مباراة"},
            {"url": "https://a.example/amp/2", "title": "مباراة (AMP)"},
            {"url": "https://a.example/3", "title": "لم يزحف بعد"},
        ]))
    out = run_rasd("article", "https://a.example/1", "--db", db, check=True).stdout
    assert "<https://a.example/2>  [stored]" in out
    assert "<https://a.example/amp/2>  [stored as https://a.example/2]" in out
    assert "<https://a.example/3>  [not crawled]" in out
    links = json.loads(run_rasd("article", "https://a.example/1", "--db", db, "--format", "json",
                                check=True).stdout)["read_also"]
    assert [link["stored"] for link in links] == [True, True, False]


def test_a_date_only_the_feed_gave_is_not_an_edit(store: Store) -> None:
    url = "https://a.example/1"
    store.save_article(article(url, "a", WIRE, extraction={"published": "feed"}))
    later = article(url, "a", WIRE, T0 + timedelta(minutes=30), extraction={"published": "feed"})
    assert store.save_article(later).outcome == "unchanged"


def test_an_unchanged_refetch_keeps_the_new_validators(store: Store) -> None:
    url = "https://a.example/1"
    store.save_article(article(url, "a", WIRE, headers={"etag": '"v1"'}))
    result = store.save_article(article(url, "a", WIRE, headers={"etag": '"v2"'}))
    assert result.outcome == "unchanged"
    assert store.get_article(url)["headers"] == {"etag": '"v2"'}


def test_rasd_article_finds_any_spelling_of_a_configured_sites_url(tmp_path: Path) -> None:
    db = str(tmp_path / "rasd.db")
    write_site(tmp_path / "sites", "a", "https://www.a.example")
    with Store(db) as store:
        store.save_article(article("https://www.a.example/news/1", "a", WIRE))
    out = run_rasd("article", "http://a.example/news/1?utm_source=x", "--format", "json", "--db", db,
                   "--sites", str(tmp_path / "sites"), check=True).stdout
    assert json.loads(out)["url"] == "https://www.a.example/news/1"
