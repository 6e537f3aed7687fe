"""The store contract, run against every backend Rasd supports.

The embedded SQLite store runs always. MongoDB runs when RASD_TEST_MONGODB_URI is set
(e.g. mongodb://localhost:27017/rasd_test against the official `mongo` container): no MongoDB
server can be installed on our build machines — it is not packaged in Debian and its
installers download binaries — so there the MongoDB half is skipped, and CI proves the
embedded half. Every test below is written against the Store API only, so the same
assertions hold on both.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.arabic import normalise
from crawler.rasdconfig import resolve_config
from crawler.storage.analyzer import parse_search
from crawler.storage.query import ArticleQuery, get_article, known_urls, public
from crawler.storage.store import DuplicateArticle, Store, StoreError, is_mongo_uri, mask_secrets


def find_articles(store: Store, limit: int = 0, site: str | None = None, **filters: object) -> list[dict]:
    """Newest first, as ``rasd articles`` lists them."""
    query = ArticleQuery(sites=(site,) if site else (), limit=limit, sort="date", **filters)
    return store.find_articles(query).items

MONGO_URI = os.environ.get("RASD_TEST_MONGODB_URI")


@pytest.fixture(params=["sqlite", "mongodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "mongodb":
        if not MONGO_URI:
            pytest.skip("RASD_TEST_MONGODB_URI not set: no MongoDB server can run on this machine")
        base, _, _ = MONGO_URI.rpartition("/")
        uri = f"{base}/rasd_test_{uuid.uuid4().hex[:8]}"
        s = Store(uri)
        yield s
        s.drop()
        s.close()
    else:
        with Store(str(tmp_path / "store" / "rasd.db")) as s:
            yield s


def doc(url: str, **extra: object) -> dict[str, object]:
    base = {
        "url": url, "site": "watan", "title": "لقاء كيم وبوتين يثير مخاوف واشنطن",
        "title_norm": "لقاء كيم وبوتين يثير مخاوف واشنطن", "body": "نص", "body_norm": "نص",
        "tags": ["كوريا الشمالية"], "tags_norm": ["كوريا الشماليه"], "fingerprint": "f1",
        "published": datetime(2023, 9, 12, 9, 0, tzinfo=UTC), "read_also": [],
    }
    return {**base, **extra}


def test_unique_url_index(store: Store) -> None:
    store.import_articles([doc("https://a.example/1")])
    with pytest.raises(DuplicateArticle):
        store._insert_article(doc("https://a.example/1"))
    names = store.index_keys()
    assert ("url",) in names and ("site", "published") in names


def test_save_article_new_unchanged_updated(store: Store) -> None:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    first = store.save_article(doc("https://a.example/1"), now=t0)
    assert first.outcome == "new"
    again = store.save_article(doc("https://a.example/1"), now=t0 + timedelta(hours=1))
    assert again.outcome == "unchanged" and again.doc_id == first.doc_id
    edited = store.save_article(doc("https://a.example/1", body="نص معدل", fingerprint="f2"),
                                now=t0 + timedelta(hours=2))
    assert edited.outcome == "updated"
    stored = store.get_article("https://a.example/1")
    assert stored["version"] == 2 and stored["body"] == "نص معدل"
    assert stored["first_seen"] == t0 and stored["last_seen"] == t0 + timedelta(hours=2)
    assert store.count_articles(ArticleQuery()) == 1


def test_datetimes_round_trip_as_aware_utc(store: Store) -> None:
    cairo = datetime(2023, 9, 12, 12, 0, tzinfo=UTC) + timedelta(0)
    store.save_article(doc("https://a.example/2", published=cairo))
    got = store.get_article("https://a.example/2")["published"]
    assert got.tzinfo is not None and got == cairo
    assert public(store.get_article("https://a.example/2"))["published"] == "2023-09-12T12:00:00Z"


def test_queries_filter_sort_and_search_spelling_insensitively(store: Store) -> None:
    day = datetime(2023, 9, 10, tzinfo=UTC)
    store.save_article(doc("https://a.example/1", published=day, title="إسرائيل تعلن",
                           title_norm=normalise("إسرائيل تعلن"), fingerprint="a"))
    store.save_article(doc("https://a.example/2", published=day + timedelta(days=1), fingerprint="b"))
    store.save_article(doc("https://b.example/3", site="other", published=day + timedelta(days=2),
                           fingerprint="c"))
    urls = [d["url"] for d in find_articles(store)]
    assert urls == ["https://b.example/3", "https://a.example/2", "https://a.example/1"]
    assert [d["url"] for d in find_articles(store, site="other")] == ["https://b.example/3"]
    since = [d["url"] for d in find_articles(store, since=day + timedelta(hours=12))]
    assert since == ["https://b.example/3", "https://a.example/2"]
    until = [d["url"] for d in find_articles(store, until=day + timedelta(hours=12))]
    assert until == ["https://a.example/1"]
    # The query is normalised like the stored keys: hamza, tashkeel and tatweel don't matter.
    for query in ("اسرائيل", "إسرائيل", "إسـرائِيل"):
        assert [d["url"] for d in find_articles(store, search=query)] == ["https://a.example/1"]
    # Regex metacharacters in a search are literal text, not patterns.
    assert list(find_articles(store, search="(.*")) == []
    assert len(list(find_articles(store, limit=2))) == 2
    assert parse_search("x").required == ["x"]


def test_get_article_by_id_url_and_canonical_form(store: Store) -> None:
    url = "https://a.example/news/%D9%83%D9%8A%D9%85"
    saved = store.save_article(doc(url))
    assert get_article(store, str(saved.doc_id))["url"] == url
    assert get_article(store, url)["url"] == url
    assert get_article(store, "https://A.example/news/كيم?utm_source=x#top")["url"] == url
    assert get_article(store, "not-an-id") is None
    assert known_urls(store, [url, "https://a.example/missing"]) == {url}


def test_unreachable_mongodb_is_a_clear_error_without_password() -> None:
    with pytest.raises(StoreError) as err:
        Store("mongodb://rasd:s3cret-pass@127.0.0.1:1/rasd?serverSelectionTimeoutMS=500")
    assert "s3cret-pass" not in str(err.value)
    assert "rasd:***@127.0.0.1:1" in str(err.value)


def test_uri_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_mongo_uri("mongodb+srv://cluster.example/rasd") and not is_mongo_uri("/var/lib/rasd.db")
    assert mask_secrets("see mongodb://u:p%40ss@h/db and https://hook:tok@x.example/") == (
        "see mongodb://u:***@h/db and https://hook:***@x.example/"
    )
    monkeypatch.setenv("RASD_DB", "/tmp/elsewhere.db")
    assert resolve_config(db=None).db == "/tmp/elsewhere.db"
    assert resolve_config(db="mongodb://h/x").db == "mongodb://h/x"


def test_clusters_facets_days_runs_health_and_leases(store: Store) -> None:
    from bson import ObjectId

    day = datetime(2023, 9, 10, 8, tzinfo=UTC)
    for i, site in enumerate(("watan", "watan", "other")):
        store.save_article(doc(f"https://a.example/{i}", site=site, fingerprint=f"f{i}",
                               published=day + timedelta(days=i // 2)), now=day + timedelta(days=i // 2))
    first = store.get_article("https://a.example/0")
    assert [d["url"] for d in store.cluster_members(first["cluster_id"])] == ["https://a.example/0"]
    assert store.site_counts(ArticleQuery()) == {"watan": 2, "other": 1}
    assert store.articles_per_day(day - timedelta(days=1)) == [  # by the day first stored
        ("other", "2023-09-11", 1), ("watan", "2023-09-10", 2)]
    assert store.articles_per_day(day, site="other") == [("other", "2023-09-11", 1)]
    assert store.newest_first_seen() == {"watan": day, "other": day + timedelta(days=1)}
    assert [d["url"] for d in store.iter_articles(ArticleQuery(sites=("other",)))] == ["https://a.example/2"]

    run_id = ObjectId()
    store.insert_run({"_id": run_id, "site": "watan", "trigger": "schedule", "status": "running", "started": day})
    after = store.apply_run_update({"_id": run_id, "set": {"status": "ok"}, "on_insert": {"site": "x"}})
    assert after["status"] == "ok" and after["site"] == "watan"  # on_insert only creates
    later = ObjectId()
    store.apply_run_update({"_id": later, "set": {"status": "failed"},
                            "on_insert": {"site": "watan", "started": day + timedelta(hours=1)}})
    assert store.latest_run("watan")["_id"] == later and store.get_run(run_id)["status"] == "ok"
    assert [r["_id"] for r in store.find_runs(site="watan", status="ok")] == [run_id]

    store.set_site_health("watan", {"state": "healthy", "checked": day})
    store.set_site_health("watan", {"state": "failing"})
    assert store.get_site_health("watan")["state"] == "failing"
    assert store.get_site_health("watan")["checked"] == day and store.get_site_health("nope") is None

    assert store.acquire_lease("watan", "t1", "host:1", 60) is None
    assert store.acquire_lease("watan", "t2", "host:2", 60) == "host:1"
    assert store.renew_lease("t1", -1) and store.acquire_lease("watan", "t2", "host:2", 60) is None
    assert not store.renew_lease("t1", 60)
    store.release_lease("t2")
    assert store.acquire_lease("watan", "t3", "host:3", 60) is None
    assert store.run_counts() == {("watan", "ok"): 1, ("watan", "failed"): 1}
    assert [r["_id"] for r in store.find_runs(since=day + timedelta(minutes=30))] == [later]

    store.save_watch({"_id": "gaza", "search": "غزة", "delivered_ids": []})
    store.update_watch("gaza", {"delivered_ids": ["x"]})
    assert store.list_watches() == [{"_id": "gaza", "search": "غزة", "delivered_ids": ["x"]}]
    assert store.remove_watch("gaza") and not store.remove_watch("gaza") and store.list_watches() == []
    store.ping()
