"""What a user feels of the store as it grows: ``python -m bench.store [SIZES…]`` (default
10k 100k; ``1m`` for a million).

For each size a synthetic corpus (bench.neardup's Zipf-distributed Arabic-letter words, 300
words a story) is built once with bulk inserts into ``bench/out/store-<size>.sqlite`` and
kept for the next run (an interrupted build resumes where it stopped). Then, as whole
``rasd`` processes (what a user waits for, start-up included): ``articles --limit 20``,
``--search`` of one common word, of two words and of a phrase, ``article URL``, each with its
wall time and peak RSS; in-process: opening the store, the near-duplicate check,
``save_article`` throughput (the whole duplicate policy); and bytes on disk per article. Side
by side, the litemongo store Rasd used before, at the sizes given with ``--litemongo`` (it
rebuilds its indexes in every process). Targets are printed as met or missed, never
asserted. The figures of sizes not measured in a run are kept from the last one, so
``python -m bench.store 1m --litemongo`` adds the million beside them.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.neardup import Corpus, document
from crawler.storage.query import ArticleQuery
from crawler.storage.store import Store

OUT = Path(__file__).resolve().parent / "out"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = ("<!-- bench.store -->", "<!-- /bench.store -->")
ROOT = Path(__file__).resolve().parents[1]
WORDS = 300 // 15  # sentences of 15 words
TARGETS = {"command_s": 0.5, "search_s": 0.3, "rss_mb": 150.0, "help_s": 0.3}


def _document(numbered: tuple[int, list[str]]) -> dict[str, Any]:
    return document(*numbered)


def build(size: int, batch: int = 5000) -> Path:
    """The store of ``size`` synthetic articles, built once (bulk inserts, ``batch`` a transaction).

    The sentences are drawn here, in order, so every size holds the same corpus; the costly
    part of each document (normalising, fingerprint, MinHash) is made in worker processes
    while this one inserts the previous batch."""
    path = OUT / f"store-{size}.sqlite"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    corpus = Corpus()
    with Store(str(partial)) as store:
        # Batches are committed whole and in order, so an interrupted build holds exactly
        # the first ``done`` articles: resume after them on the same corpus.
        done = store.count_articles(ArticleQuery())
    corpus.skip(done * WORDS)
    started = time.perf_counter()

    def numbered(start: int) -> list[tuple[int, list[str]]]:
        return [(i, corpus.sentences(WORDS)) for i in range(start, min(size, start + batch))]

    with multiprocessing.Pool(max(1, (os.cpu_count() or 2) - 1)) as pool, Store(str(partial)) as store:
        pending = pool.map_async(_document, numbered(done), chunksize=250)
        for start in range(done, size, batch):
            docs = pending.get()
            if start + batch < size:
                pending = pool.map_async(_document, numbered(start + batch), chunksize=250)
            store.import_articles(docs)
            rate = (min(size, start + batch) - done) / (time.perf_counter() - started)
            print(f"\rbuilding {size}: {min(size, start + batch)} ({rate:.0f}/s)", end="", file=sys.stderr, flush=True)
    print(f"\rbuilt {size} articles ({size - done} in this run) in {time.perf_counter() - started:.0f}s",
          file=sys.stderr)
    partial.rename(path)
    return path


# Started from a small interpreter: a child forked from this process (which holds a corpus
# and an open store) would count this process's memory in its own peak RSS.
_MEASURE = ("import os, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
            "err = p.stderr.read(); _, status, usage = os.wait4(p.pid, 0); "
            "print(time.perf_counter() - t, usage.ru_maxrss, os.waitstatus_to_exitcode(status)); "
            "sys.stderr.write(err.decode(errors='replace'))")


def whole_process(args: list[str], db: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one ``rasd`` process (best wall of 3)."""
    best, rss = float("inf"), 0.0
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASD_DB": db}
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "crawler.cli", *args],
                              env=env, cwd=ROOT, capture_output=True, text=True)
        wall, maxrss, code = proc.stdout.split()
        if int(code) != 0:
            raise RuntimeError(f"rasd {' '.join(args)} failed: {proc.stderr}")
        best, rss = min(best, float(wall)), max(rss, int(maxrss) / 1024)
    return round(best, 3), round(rss, 1)


def queries(corpus: Corpus) -> dict[str, ArticleQuery]:
    """The questions timed, in-process and as whole commands."""
    common, other = corpus.vocab[0], corpus.vocab[3]
    phrase = " ".join(corpus.sentences(1)[0].split()[:2])
    return {"newest 20": ArticleQuery(limit=20, sort="date"),
            "search common": ArticleQuery(search=common, limit=20),
            "search two words": ArticleQuery(search=f"{common} {other}", limit=20),
            "search phrase": ArticleQuery(search=f'"{phrase}"', limit=20)}


def in_process(path: Path, corpus: Corpus, asked: dict[str, ArticleQuery]) -> dict[str, Any]:
    started = time.perf_counter()
    store = Store(str(path))
    opened = time.perf_counter() - started
    store_ms: dict[str, tuple[float, int]] = {}
    try:
        probe_times = []
        for p in range(50):
            doc = document(20_000_000 + p, corpus.sentences(WORDS), site="probe")
            t = time.perf_counter()
            store.find_near_duplicate(doc)
            probe_times.append(time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as tmp, Store(str(Path(tmp) / "w.sqlite")) as fresh:
            docs = [document(30_000_000 + i, corpus.sentences(WORDS), site="w") for i in range(300)]
            t = time.perf_counter()
            for doc in docs:
                fresh.save_article(doc)
            fresh_rate = len(docs) / (time.perf_counter() - t)
        for name, query in asked.items():
            times = []
            for _ in range(5):
                t = time.perf_counter()
                page = store.find_articles(query)
                times.append(time.perf_counter() - t)
            store_ms[name] = (round(statistics.median(times) * 1000, 1), page.total)
        total = store.count_articles(ArticleQuery())
        first = next(store.iter_articles())
    finally:
        store.close()
    return {"open_ms": round(opened * 1000, 1), "neardup_ms": round(statistics.median(probe_times) * 1000, 2),
            "save_per_s": round(fresh_rate), "articles": total, "first_url": first["url"], "queries": store_ms,
            "bytes_per_article": round(path.stat().st_size / max(total, 1))}


def measure(size: int, corpus: Corpus) -> dict[str, Any]:
    path = build(size)
    asked = queries(corpus)  # once: the same phrase in-process and as a command
    figures = in_process(path, corpus, asked)
    commands = {"articles --limit 20": ["articles", "--limit", "20"]}
    for name in ("search common", "search two words", "search phrase"):
        commands[name] = ["articles", "--limit", "20", "--search", asked[name].search or ""]
    commands["article URL"] = ["article", figures["first_url"]]
    for name, args in commands.items():
        figures[name] = whole_process(args, str(path))
    return figures


def litemongo_process(size: int, corpus: Corpus) -> dict[str, Any]:
    """The old embedded store: one process listing the 20 newest articles, as `rasd articles` did."""
    import litemongo

    path = OUT / f"litemongo-{size}"
    if not path.exists():
        client = litemongo.connect(str(path), tz_aware=True)
        col = client["rasd"]["articles"]
        col.create_index([("published", -1)])
        for start in range(0, size, 5000):
            col.insert_many([document(i, corpus.sentences(WORDS)) for i in range(start, min(size, start + 5000))])
        client.close()
    code = ("import litemongo,sys; c=litemongo.connect(sys.argv[1], tz_aware=True); "
            "list(c['rasd']['articles'].find({}).sort('published', -1).limit(20))")
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)])
    _, _, usage = os.wait4(proc.pid, 0)
    return {"wall_s": round(time.perf_counter() - started, 2), "rss_mb": round(usage.ru_maxrss / 1024, 1)}


def help_startup() -> tuple[float, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    wall, _ = min(whole_process(["--help"], "") for _ in range(1))
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "crawler.cli", "--help"], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    top = [f"{us / 1000:.0f} ms {name.strip()}" for us, name in sorted(rows, reverse=True)[:8]]
    return wall, top


def kept_section(results: Path = RESULTS) -> str:
    """This benchmark's part of RESULTS.md, for ``python -m bench`` to keep when it rewrites the file."""
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    start, end = text.find(SECTION[0]), text.find(SECTION[1])
    return "\n" + text[start:end + len(SECTION[1])] + "\n" if start >= 0 and end > start else ""


def write_section(lines: list[str], results: Path = RESULTS) -> None:
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    old = kept_section(results).strip()
    section = (f"{SECTION[0]}\n## Store: whole commands as it grows (`python -m bench.store`, "
               f"{time.strftime('%Y-%m-%d')})\n\n```\n" + "\n".join(lines) + f"\n```\n{SECTION[1]}")
    text = text.replace(old, section) if old else text.rstrip("\n") + "\n\n" + section + "\n"
    results.write_text(text, encoding="utf-8")


def mark(value: float, target: float) -> str:
    return f"{value} ({'met' if value < target else 'MISSED'} < {target})"


_SIZE_BLOCK = re.compile(r"(litemongo \(before\): )?\d+ articles: ")


def _size_key(block: str) -> str:
    """What a block of figures is about: ``10000 articles`` or ``litemongo (before): 10000 articles``."""
    return block[:block.index(" articles") + len(" articles")]


def _order(key: str) -> tuple[bool, int]:
    return key.startswith("litemongo"), int(re.findall(r"(\d+) articles", key)[0])


def previous_blocks(results: Path = RESULTS) -> dict[str, str]:
    """The figures of the last run, one block per size, so that a run of some sizes (the
    1M store alone takes most of an hour) keeps the others beside its own."""
    section = kept_section(results)
    if "```" not in section:
        return {}
    body = section[section.index("```") + 4:section.rindex("```")].strip("\n")
    return {_size_key(b): b for b in body.split("\n\n") if _SIZE_BLOCK.match(b)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store")
    parser.add_argument("sizes", nargs="*", default=["10k", "100k"])
    parser.add_argument("--litemongo", nargs="*", default=["10k"], help="sizes for the old store (default 10k)")
    parser.add_argument("--note", default="", help="written with the figures: how the machine was loaded")
    args = parser.parse_args(argv)

    def size(text: str) -> int:
        return int(text.lower().replace("k", "000").replace("m", "000000"))

    corpus = Corpus()
    blocks: dict[str, str] = {}

    def say(block: str) -> None:
        print(block + "\n", flush=True)
        blocks[_size_key(block)] = block

    wall, top = help_startup()
    startup = f"rasd --help: {mark(wall, TARGETS['help_s'])} s; top imports (cumulative): {'; '.join(top)}"
    print(startup + "\n", flush=True)
    for n in sorted(size(s) for s in args.sizes):
        f = measure(n, corpus)
        rows = [f"{n} articles: open {f['open_ms']} ms · near-duplicate check {f['neardup_ms']} ms · "
                f"save_article {f['save_per_s']}/s · {f['bytes_per_article']} bytes/article on disk"]
        for name, (ms, total) in f["queries"].items():
            target = TARGETS["search_s"] * 1000 if name.startswith("search") else TARGETS["command_s"] * 1000
            rows.append(f"  in-process {name:<18} {mark(ms, target)} ms ({total} matches)")
        for name in ("articles --limit 20", "search common", "search two words", "search phrase", "article URL"):
            seconds, rss = f[name]
            target = TARGETS["search_s"] if name.startswith("search") else TARGETS["command_s"]
            rows.append(f"  rasd {name:<22} wall {mark(seconds, target)} s · "
                        f"peak RSS {mark(rss, TARGETS['rss_mb'])} MB")
        say("\n".join(rows))
    for n in sorted(size(s) for s in args.litemongo or []):
        old = litemongo_process(n, corpus)
        say(f"litemongo (before): {n} articles: newest 20 in one process: wall {old['wall_s']} s, "
            f"peak RSS {old['rss_mb']} MB")
    kept = {k: v for k, v in previous_blocks().items() if k not in blocks}
    lines = [startup] + [({**blocks, **kept})[k] for k in sorted({**blocks, **kept}, key=_order)]
    if args.note:
        lines.append(f"note: {args.note}")
    if kept:
        lines.append(f"kept from an earlier run (not measured this time): {', '.join(sorted(kept, key=_order))}")
    write_section(["\n\n".join(lines)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
