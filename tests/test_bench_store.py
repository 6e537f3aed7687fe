"""bench/store.py's corpus build: an interrupted build resumes on the same corpus (the 1M
store takes most of an hour on this machine, so losing it to one interruption matters)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import store as bench_store
from crawler.storage.store import Store


def _bodies(path: Path) -> dict[str, str]:
    with Store(str(path)) as store:
        return {doc["url"]: doc["body"] for doc in store.iter_articles()}


def test_a_resumed_build_holds_the_same_articles_as_one_uninterrupted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_store, "OUT", tmp_path / "whole")
    whole = _bodies(bench_store.build(500, batch=200))

    # An interrupted build of 500 holds exactly its first committed batches: those of a build of 400.
    monkeypatch.setattr(bench_store, "OUT", tmp_path / "resumed")
    bench_store.build(400, batch=200).rename(tmp_path / "resumed" / "store-500.partial")
    resumed = _bodies(bench_store.build(500, batch=200))

    assert len(whole) == 500
    assert resumed == whole
