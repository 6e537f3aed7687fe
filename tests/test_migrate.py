"""``rasd migrate`` from an old embedded store (litemongo, as Rasd before the SQLite store
wrote it) into the new one: everything copied once, a second run copies nothing, a run killed
with SIGKILL resumes without losing or doubling anything, a foreign destination is refused,
and a user whose default store is still the old one is told what to run."""

from __future__ import annotations

import os
import signal
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId

from crawler.storage.integrity import problems
from crawler.storage.query import ArticleQuery
from crawler.storage.store import Store
from tests.conftest import run_rasd
from tests.faults import read_rows, start_rasd, wait_for
from tests.test_dedup_store import OTHER, T0, WIRE, article, one_sentence_changed

litemongo = pytest.importorskip("litemongo")


def old_store(path: Path, extra: int = 0) -> dict[str, Any]:
    """An old store with what the litemongo-era Store wrote: a cluster (root with its LSH
    bands, a copy without), an article with an alias and an earlier version, runs and site
    health; ``extra`` more articles. Returns what was written, for comparison."""
    root = {**article("https://a.example/1", "a", WIRE), "_id": ObjectId(), "first_seen": T0, "last_seen": T0,
            "version": 1, "duplicate_of": None, "cluster_id": "c1", "aliases": ["https://a.example/amp/1"]}
    copy = {**article("https://b.example/9", "b", one_sentence_changed(WIRE), T0 + timedelta(hours=2)),
            "_id": ObjectId(), "first_seen": T0 + timedelta(hours=2), "last_seen": T0 + timedelta(hours=2),
            "version": 1, "duplicate_of": "https://a.example/1", "cluster_id": "c1", "duplicate_similarity": 0.9}
    copy.pop("lsh")
    edited = {**article("https://a.example/2", "a", OTHER), "_id": ObjectId(), "first_seen": T0,
              "last_seen": T0 + timedelta(days=1), "version": 2, "duplicate_of": None, "cluster_id": "c2"}
    articles = [root, copy, edited]
    for i in range(extra):
        text = [f"{p} الخبر رقم {i} والفقرة {j}." for j, p in enumerate(OTHER)]
        articles.append({**article(f"https://c.example/{i}", "c", text), "_id": ObjectId(), "first_seen": T0,
                         "last_seen": T0, "version": 1, "duplicate_of": None, "cluster_id": f"x{i}"})
    client = litemongo.connect(str(path), tz_aware=True)
    db = client["rasd"]
    db["articles"].insert_many(articles)
    db["article_versions"].insert_one({"article_id": edited["_id"], "url": edited["url"], "version": 1,
                                       "replaced": T0 + timedelta(days=1), "changed": ["body"],
                                       "previous": {"body": "النص الأول", "version": 1}})
    runs = [{"_id": ObjectId(), "site": "a", "trigger": "manual", "status": "ok", "started": T0 + timedelta(hours=h),
             "articles": {"new": 2}} for h in (1, 2)]
    db["runs"].insert_many(runs)
    db["site_health"].insert_one({"_id": "a", "state": "healthy", "checked": T0})
    client.close()
    return {"articles": articles, "runs": runs}


def test_migrate_the_default_old_store_then_again(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "RASD_DB": "", "RASD_SITES": str(tmp_path / "sites")}
    legacy = tmp_path / "data" / "rasd" / "rasd.db"
    new = tmp_path / "data" / "rasd" / "rasd.sqlite"
    written = old_store(legacy)

    told = run_rasd("articles", env=env)
    assert told.returncode == 3 and f"rasd migrate --from {legacy}" in told.stderr
    assert not new.exists() and (legacy / "rasd" / "articles").exists()  # nothing created, nothing deleted

    first = run_rasd("migrate", "--from", str(legacy), env=env, check=True)
    assert "copied 3 article(s), 1 version(s), 2 run(s), 1 site health record(s)" in first.stdout
    assert "copying articles: 3/3" in first.stderr
    with Store(str(new)) as store:
        assert problems(store) == []
        docs = {d["url"]: d for d in store.iter_articles()}
        for old in written["articles"]:
            doc = docs[old["url"]]
            for key in ("_id", "minhash", "first_seen", "last_seen", "version", "duplicate_of", "cluster_id"):
                assert doc.get(key) == old.get(key), key
            assert sorted(doc.get("lsh") or []) == sorted(old.get("lsh") or [])  # a set of band keys
            assert doc.get("aliases", []) == old.get("aliases", [])
        assert store.get_article("https://a.example/amp/1")["url"] == "https://a.example/1"
        probe = article("https://z.example/5", "z", one_sentence_changed(WIRE), T0 + timedelta(days=3))
        assert store.find_near_duplicate(probe).root == "https://a.example/1"
        assert [v["version"] for v in store.article_versions(written["articles"][2]["_id"])] == [1]
        assert [r["_id"] for r in store.find_runs(site="a")] == [r["_id"] for r in written["runs"][::-1]]
        assert store.get_site_health("a")["state"] == "healthy"
        assert store.find_articles(ArticleQuery(search="المباراة")).total == 1
    assert run_rasd("articles", env=env, check=True).stdout.count("a.example") == 2

    again = run_rasd("migrate", "--from", str(legacy), env=env, check=True)
    assert "copied 0 article(s), 0 version(s), 0 run(s), 0 site health record(s)" in again.stdout
    assert "nothing was missing" in again.stdout
    assert (legacy / "rasd" / "articles").exists()


def test_a_destination_with_other_articles_needs_merge(tmp_path: Path) -> None:
    old_store(tmp_path / "old")
    dest = tmp_path / "other.sqlite"
    with Store(str(dest)) as store:
        store.save_article(article("https://elsewhere.example/1", "e", WIRE))
    refused = run_rasd("migrate", "--from", str(tmp_path / "old"), "--to", str(dest))
    assert refused.returncode == 1 and "--merge" in refused.stderr
    merged = run_rasd("migrate", "--from", str(tmp_path / "old"), "--to", str(dest), "--merge", check=True)
    assert "copied 3 article(s)" in merged.stdout


@pytest.mark.slow
def test_migrate_killed_midway_resumes(tmp_path: Path) -> None:
    source, dest = tmp_path / "old", tmp_path / "new.sqlite"
    total = len(old_store(source, extra=2500)["articles"])

    def copied() -> int:
        rows = read_rows(dest, "SELECT count(*) FROM articles")  # none before the schema exists
        return rows[0][0] if rows else 0

    proc = start_rasd("migrate", "--from", str(source), "--to", str(dest), env={})
    try:
        wait_for(lambda: 0 < copied() < total, timeout=120, what="a partial copy")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    before = copied()
    assert 0 < before < total
    resumed = run_rasd("migrate", "--from", str(source), "--to", str(dest), check=True)
    assert f"copied {total - before} article(s)" in resumed.stdout
    urls = [row[0] for row in read_rows(dest, "SELECT url FROM articles")]
    assert len(urls) == len(set(urls)) == total
    assert len(read_rows(dest, "SELECT * FROM search")) == total  # every article searchable once
    final = run_rasd("migrate", "--from", str(source), "--to", str(dest), check=True)
    assert "nothing was missing" in final.stdout
