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


def test_the_figures_of_sizes_not_measured_again_are_read_back_from_results(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n\nother benchmark\n", encoding="utf-8")
    ten_k = "10000 articles: open 1 ms\n  rasd articles --limit 20    wall 0.14 (met < 0.5) s"
    old = "litemongo (before): 10000 articles: newest 20 in one process: wall 1.97 s"
    bench_store.write_section(["\n\n".join([
        "rasd --help: 0.06 (met < 0.3) s", ten_k, old, "note: 2 articles a second",
        "kept from an earlier run (not measured this time): 100000 articles"])], results)

    assert bench_store.previous_blocks(results) == {"10000 articles": ten_k,
                                                    "litemongo (before): 10000 articles": old}
    assert results.read_text(encoding="utf-8").startswith("# Results\n\nother benchmark\n")
