"""The spool on its own: exact round trips, order, torn and corrupt lines, progress across
an interrupted replay, and segments held by a live writer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bson import ObjectId

from crawler.rasdconfig import resolve_config
from crawler.storage.spool import ARTICLE, RUN, Record, Spool, decode, encode, spool_dir


def doc(i: int) -> dict:
    return {"url": f"https://example.com/news/{i}", "site": "ex", "title": f"خبر رقم {i}\n«سطر»",
            "published": datetime(2023, 9, 12, 9, 0, 0, 123000, tzinfo=UTC) + timedelta(hours=i),
            "read_also": [{"url": "https://example.com/x", "title": "إقرأ"}], "version": 2**40,
            "extraction": {"title": "selectors"}, "duplicate_of": ObjectId("64ff00000000000000000000")}


def test_round_trip_is_exact() -> None:
    d, at = doc(1), datetime(2024, 1, 1, tzinfo=UTC)
    line = encode(d, at)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode(line) == Record(d, at, ARTICLE)
    back = decode(line).doc
    assert back["published"].tzinfo is not None and isinstance(back["duplicate_of"], ObjectId)


def test_replay_in_order_then_empty(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s")
    for i in range(5):
        spool.append(doc(i), datetime.now(UTC))
    assert spool.waiting()[ARTICLE] == 5
    seen: list[str] = []
    result = spool.replay(lambda r: seen.append(r.doc["url"]))
    assert result.stored == 5 and seen == [doc(i)["url"] for i in range(5)]
    assert not any(spool.waiting().values()) and list((tmp_path / "s").iterdir()) == []
    spool.append(doc(9), datetime.now(UTC))  # appending after a replay starts a new segment
    assert spool.waiting()[ARTICLE] == 1


def test_torn_tail_and_corrupt_line_are_skipped(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    for i in range(3):
        spool.append(doc(i), datetime.now(UTC))
    spool.close()
    seg = spool.segments()[0]
    data = seg.read_bytes()
    lines = data.split(b"\n")
    lines[1] = b'{"at": not json'
    seg.write_bytes(b"\n".join(lines) + encode(doc(3), datetime.now(UTC))[:40])  # killed mid-write
    status = Spool(tmp_path).status()[0]
    assert (status.lines, status.corrupt, status.torn, status.waiting) == (3, 1, True, 2)
    seen: list[str] = []
    result = Spool(tmp_path).replay(lambda r: seen.append(r.doc["url"]))
    assert seen == [doc(0)["url"], doc(2)["url"]]
    assert (result.torn, result.corrupt) == (1, 1)
    assert not seg.exists()


def test_interrupted_replay_resumes_after_last_recorded_line(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    for i in range(120):
        spool.append(doc(i), datetime.now(UTC))
    seen: list[int] = []

    def flaky(r: Record) -> None:
        if len(seen) == 73:
            raise ConnectionError("database went away")
        seen.append(int(r.doc["url"].rsplit("/", 1)[1]))

    with pytest.raises(ConnectionError):
        spool.replay(flaky)
    assert spool.waiting()[ARTICLE] == 120 - 73
    rest: list[int] = []
    spool.replay(lambda r: rest.append(int(r.doc["url"].rsplit("/", 1)[1])))
    assert seen + rest == list(range(120))


def test_live_writers_segment_is_left_alone(tmp_path: Path) -> None:
    writer, other = Spool(tmp_path), Spool(tmp_path)
    writer.append(doc(1), datetime.now(UTC))
    result = other.replay(lambda r: pytest.fail("replayed a segment a live writer holds"))
    assert result.busy == 1 and other.status()[0].active
    writer.close()
    assert other.replay(lambda r: None).stored == 1


def test_run_records_travel_with_articles_in_order(tmp_path: Path) -> None:
    """A run-record update is a record of its own kind: counted apart from articles, replayed
    in its place in line order; a line of an unknown kind is corrupt, not guessed at."""
    spool = Spool(tmp_path)
    spool.append(doc(0), datetime.now(UTC))
    spool.append({"_id": ObjectId(), "set": {"status": "degraded"}}, datetime.now(UTC), RUN)
    spool.append(doc(1), datetime.now(UTC))
    assert spool.waiting() == {ARTICLE: 2, RUN: 1}
    [status] = spool.status()
    assert (status.articles, status.runs, status.waiting, dict(status.sites)) == (2, 1, 3, {"ex": 2})
    seen: list[str] = []
    spool.replay(lambda r: seen.append(r.kind))
    assert seen == [ARTICLE, RUN, ARTICLE]
    with pytest.raises(ValueError):
        encode(doc(2), datetime.now(UTC), "song")
    with pytest.raises(ValueError):
        decode(b'{"at": {"$date": "2024-01-01T00:00:00Z"}, "kind": "song", "doc": {}}')
    legacy = b'{"at": {"$date": "2024-01-01T00:00:00Z"}, "doc": {"url": "u"}}'  # before kinds
    assert decode(legacy).kind == ARTICLE


def test_default_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RASD_SPOOL", raising=False)
    assert spool_dir(str(tmp_path / "rasd.db")) == tmp_path / "rasd.db.spool"
    assert spool_dir("mongodb://u:p@h/db").name == "spool"
    assert resolve_config(db=str(tmp_path / "rasd.db")).spool == tmp_path / "rasd.db.spool"
    monkeypatch.setenv("RASD_SPOOL", str(tmp_path / "x"))
    assert resolve_config(db="mongodb://h/db").spool == tmp_path / "x"
    assert resolve_config(db="mongodb://h/db", spool=tmp_path / "y").spool == tmp_path / "y"
    assert spool_dir("mongodb://h/db", tmp_path / "y") == tmp_path / "y"
