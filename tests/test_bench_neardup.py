"""bench/neardup.py stays runnable: a tiny run, checked for what it found, never for speed."""

from __future__ import annotations

from bench import neardup


def test_neardup_bench_runs_and_finds_the_planted_copies() -> None:
    rows = neardup.run([100, 200], probes=40)
    assert [r["stored"] for r in rows] == [100, 200]
    for row in rows:
        assert row["recall"] >= 0.9 and row["false_matches"] == 0
        assert row["persisted_ms"] > 0 and row["in_memory_ms"] > 0
