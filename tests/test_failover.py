"""FailoverStore against a real embedded store: outages divert to the spool and queue new
articles behind the spooled ones; documents the database refuses never block the spool."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.storage.failover import SPOOLED, FailoverStore, RejectedDocument
from crawler.storage.shared import SharedStore
from crawler.storage.store import Store, is_outage, utcnow
from tests.faults import WriteLock, stored_docs


def doc(i: int, text: str = "نص") -> dict:
    return {"url": f"https://example.com/news/{i}", "site": "ex", "title": f"خبر {i}", "body": text,
            "fingerprint": f"fp-{i}-{text}"}


def test_outage_then_recovery_keeps_order_and_versions(tmp_path: Path) -> None:
    db = tmp_path / "rasd.db"
    Store(str(db)).close()
    with FailoverStore(str(db)) as store:
        assert store.open()
        assert store.save(doc(1)).outcome == "new"
        lock = WriteLock(db)
        lock.acquire()
        try:
            assert store.save(doc(2)).outcome == SPOOLED  # waits out SQLite's busy timeout, then spools
            assert store.save(doc(1, "نص معدل")).outcome == SPOOLED  # an edit, queued behind
            assert not store.retry()
        finally:
            lock.release()
        assert store.save(doc(3)).outcome == SPOOLED  # still behind the backlog until a retry
        assert store.retry() and not store.backlog
        assert store.save(doc(4)).outcome == "new"
        assert store.counts.replayed == 3 and store.counts.outcomes == {"new": 2, "updated": 1}
        assert store.counts.outages == 1 and store.counts.degraded
    by_url = {d["url"]: d for d in stored_docs(db)}
    assert len(by_url) == 4
    assert by_url[doc(1)["url"]]["body"] == "نص معدل" and by_url[doc(1)["url"]]["version"] == 2


def test_rejected_document_does_not_take_the_store_down(tmp_path: Path) -> None:
    db = tmp_path / "rasd.db"
    with FailoverStore(str(db)) as store:
        assert store.open()
        bad = {**doc(1), "extra": 2**70}  # BSON has no integer this large
        with pytest.raises(RejectedDocument):
            store.save(bad)
        assert store.up and store.save(doc(2)).outcome == "new"
        # The same document spooled during an outage is skipped at replay, not retried forever.
        store.spool.append(bad, utcnow())
        store.backlog = True
        assert store.retry() and store.counts.rejected == 2 and store.waiting() == 0


def test_outage_classification() -> None:
    import sqlite3

    from bson.errors import InvalidDocument
    from pymongo.errors import AutoReconnect, DuplicateKeyError, ServerSelectionTimeoutError, WriteError

    assert is_outage(ServerSelectionTimeoutError("down")) and is_outage(AutoReconnect("x"))
    assert is_outage(sqlite3.OperationalError("database is locked")) and is_outage(PermissionError())
    assert is_outage(DuplicateKeyError("race"))  # a concurrent upsert: retry later
    assert not is_outage(InvalidDocument("bad")) and not is_outage(OverflowError())
    assert not is_outage(WriteError("validator", 121))


def test_drop_duplicates_survives_the_spool(tmp_path: Path) -> None:
    """A site's drop_duplicates travels with an article spooled during an outage: the
    replay drops the near-duplicate instead of storing it, and the flag is never stored."""
    from tests.test_dedup_store import WIRE, article, one_sentence_changed

    db = tmp_path / "rasd.db"
    Store(str(db)).close()
    with FailoverStore(str(db)) as store:
        assert store.open()
        first = store.save(article("https://a.example/1", "a", WIRE), drop_duplicates=True)
        assert first.outcome == "new"
        lock = WriteLock(db)
        lock.acquire()
        try:
            copy = article("https://b.example/9", "b", one_sentence_changed(WIRE))
            assert store.save(copy, drop_duplicates=True).outcome == SPOOLED
        finally:
            lock.release()
        assert store.retry() and store.counts.outcomes == {"duplicate": 1}
        live = store.save(article("https://c.example/5", "c", one_sentence_changed(WIRE)), drop_duplicates=True)
        assert live.outcome == "duplicate" and live.duplicate_of == "https://a.example/1"
    docs = stored_docs(db)
    assert [d["url"] for d in docs] == ["https://a.example/1"]
    assert all("_drop_duplicates" not in d for d in docs)


def test_one_shared_connection_per_crawl_until_the_last_holder_releases_it(tmp_path: Path) -> None:
    """The spider's look-ups, the store stage and run records share one connection. A
    failed shared store is discarded: new users get a fresh connection, old holders keep
    theirs until they let go."""
    db = str(tmp_path / "rasd.db")
    shared = SharedStore(db)  # what a crawl's resources hold (crawler.resources)
    first, second = shared.acquire(), shared.acquire()
    assert first is second
    first.close()
    second.save_article(doc(1))  # still open for the other holder
    second.close()  # the last release closes it: the next user opens a new one
    third, fourth = shared.acquire(), shared.acquire()
    assert third is not first and third is fourth
    third.discard()
    fifth = shared.acquire()
    assert fifth is not fourth
    assert next(fourth.iter_articles())["url"] == doc(1)["url"]  # the old holder keeps its own
    fourth.close()
    fifth.close()
    last = shared.acquire()
    assert last is not fifth
    last.close()
