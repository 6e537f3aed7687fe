"""Near-duplicate check cost as the store grows: ``python -m bench.neardup [SIZES…]``.

What is timed is :meth:`crawler.storage.store.Store.find_near_duplicate` — the indexed
LSH band look-up plus the signature comparison that every new article goes through — on the
embedded store (SQLite), with 1k, 10k and 100k stored articles. The store grows in one
file from one size to the next, as a real one does. Side by side, the same probes against
datasketch's in-memory MinHashLSH over the same signatures: the baseline of keeping the
index in one process's memory, which is what persisting it must not cost much more than.

Probes are half near-duplicates of stored articles (one sentence rewritten) and half new
stories; recall and false matches are printed so a fast but blind check cannot pass.
Each check is timed in wall-clock and in thread CPU time: on a shared machine the CPU
figure is the one that load from other processes does not inflate; medians, for the same
reason.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from crawler.arabic import normalise
from crawler.storage import neardup
from crawler.storage.store import Store
from pipelines.normalise import fingerprint

DEFAULT_SIZES = [1_000, 10_000, 100_000]
PROBES = 200
WORDS_PER_ARTICLE = 300   # a typical news story; one rewritten sentence leaves ~0.9 similarity
_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويةى"
_T0 = datetime(2024, 1, 1, tzinfo=UTC)


class Corpus:
    """Deterministic synthetic articles: Zipf-distributed words from a 30k-word vocabulary,
    so common words recur across articles as they do in news text."""

    def __init__(self, seed: int = 7) -> None:
        self.np_rng = np.random.default_rng(seed)
        lengths = self.np_rng.integers(2, 9, size=30_000)
        letters = "".join(np.array(list(_LETTERS))[self.np_rng.integers(0, len(_LETTERS), lengths.sum())])
        ends = np.cumsum(lengths).tolist()
        self.vocab = sorted({letters[end - n:end] for end, n in zip(ends, lengths.tolist(), strict=True)})
        weights = 1 / np.arange(1, len(self.vocab) + 1)
        self.cum = np.cumsum(weights / weights.sum())

    def sentences(self, n: int) -> list[str]:
        idx = np.minimum(np.searchsorted(self.cum, self.np_rng.random((n, 15))), len(self.vocab) - 1)
        return [" ".join([self.vocab[i] for i in row]) + "." for row in idx.tolist()]

    def skip(self, n: int) -> None:
        """Move on as if ``n`` sentences had been drawn, without making them: how an
        interrupted build resumes on the same corpus (one draw per word either way)."""
        for start in range(0, n, 1_000_000):
            self.np_rng.random((min(n - start, 1_000_000), 15))


def document(i: int, sentences: list[str], site: str = "bench") -> dict[str, Any]:
    body = " ".join(sentences)
    body_norm = normalise(body)
    doc = {"url": f"https://{site}.example/news/{i}", "site": site, "title": f"خبر رقم {i}", "body": body,
           "body_norm": body_norm, "fingerprint": fingerprint(body_norm),
           "published": _T0 + timedelta(minutes=i), "version": 1, "duplicate_of": None,
           "cluster_id": f"c{i}"}
    keys = neardup.keys(body_norm)
    if keys is not None:
        doc.update(minhash=keys.signature, lsh=keys.bands)
    return doc


def _minhash(signature: bytes) -> MinHash:
    values = np.frombuffer(signature, dtype="<u4").astype(np.uint64)
    return MinHash(num_perm=neardup.NUM_PERM, seed=neardup.SEED, hashvalues=values, scheme=neardup.SCHEME)


def run(sizes: list[int], probes: int = PROBES) -> list[dict[str, Any]]:
    """Per size: median/p95 ms per near-duplicate check (persisted and in-memory), candidates
    read, recall on planted near-duplicates and false matches on new stories."""
    corpus = Corpus()
    rows: list[dict[str, Any]] = []
    stored_sentences: list[list[str]] = []
    memory = MinHashLSH(threshold=neardup.THRESHOLD, num_perm=neardup.NUM_PERM,
                        params=(neardup.BANDS, neardup.ROWS))
    with tempfile.TemporaryDirectory(prefix="rasd-neardup-") as tmp, Store(str(Path(tmp) / "b.db")) as store:
        for size in sorted(sizes):
            started = time.perf_counter()
            batch: list[dict[str, Any]] = []
            for i in range(len(stored_sentences), size):
                sentences = corpus.sentences(WORDS_PER_ARTICLE // 15)
                stored_sentences.append(sentences)
                doc = document(i, sentences)
                memory.insert(doc["url"], _minhash(doc["minhash"]))
                batch.append(doc)
                if len(batch) == 1000:
                    store.import_articles(batch)
                    batch = []
            if batch:
                store.import_articles(batch)
            build = time.perf_counter() - started
            rows.append({"stored": size, **_probe(store, memory, corpus, stored_sentences, probes),
                         "build_s": round(build, 1), **_reopen(store.uri)})
            print(_line(rows[-1]), file=sys.stderr, flush=True)
    base = rows[0]["persisted_cpu_ms"]
    for row in rows:
        row["cpu_vs_smallest"] = round(row["persisted_cpu_ms"] / base, 2) if base else None
    return rows


def _rss_mb() -> float:
    """Resident memory now (not the peak), from /proc."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _reopen(uri: str) -> dict[str, float]:
    """What a process opening the store pays before its first answer (every crawl process,
    every ``rasd`` command): seconds, and resident MB added."""
    before = _rss_mb()
    started = time.perf_counter()
    with Store(uri) as fresh:
        fresh.known_articles(["https://bench.example/not-stored"])
        seconds = time.perf_counter() - started
        grown = _rss_mb() - before
    return {"first_query_s": round(seconds, 2), "index_mb": round(grown, 1)}


def _probe(store: Store, memory: MinHashLSH, corpus: Corpus, stored_sentences: list[list[str]],
           probes: int) -> dict[str, Any]:
    rng = random.Random(len(stored_sentences))
    persisted, persisted_cpu, in_memory, candidates = [], [], [], []
    found = planted = false = 0
    for p in range(probes):
        if p % 2 == 0:
            target = rng.randrange(len(stored_sentences))
            sentences = list(stored_sentences[target])
            sentences[rng.randrange(len(sentences))] = corpus.sentences(1)[0]
            planted += 1
        else:
            target, sentences = None, corpus.sentences(WORDS_PER_ARTICLE // 15)
        doc = document(10_000_000 + p, sentences, site="probe")
        t, c = time.perf_counter(), time.thread_time()
        match = store.find_near_duplicate(doc)
        persisted_cpu.append(time.thread_time() - c)
        persisted.append(time.perf_counter() - t)
        query = _minhash(doc["minhash"])
        t = time.perf_counter()
        memory.query(query)
        in_memory.append(time.perf_counter() - t)
        candidates.append(store.band_matches(doc["lsh"]))
        if target is not None:
            found += match is not None and match.url == f"https://bench.example/news/{target}"
        else:
            false += match is not None
    return {
        "persisted_ms": round(statistics.median(persisted) * 1000, 3),
        "persisted_p95_ms": round(sorted(persisted)[int(len(persisted) * 0.95)] * 1000, 3),
        "persisted_cpu_ms": round(statistics.median(persisted_cpu) * 1000, 3),
        "in_memory_ms": round(statistics.median(in_memory) * 1000, 3),
        "candidates": round(statistics.mean(candidates), 2),
        "recall": round(found / planted, 3),
        "false_matches": false,
    }


def _line(row: dict[str, Any]) -> str:
    return "  ".join(f"{k}={v}" for k, v in row.items())


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    sizes = [int(a.replace("k", "000")) for a in args] or DEFAULT_SIZES
    rows = run(sizes)
    print(f"near-duplicate check on the embedded store ({PROBES} probes per size; "
          f"{neardup.BANDS} bands x {neardup.ROWS} rows, threshold {neardup.THRESHOLD})")
    for row in rows:
        print(_line(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
