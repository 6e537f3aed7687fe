"""Article-body quality and parse cost on the Zyte article-extraction benchmark.

Scored with the benchmark's own method (scrapinghub/article-extraction-benchmark,
evaluate.py): ``\\w+`` tokens, 4-token shingles counted as a multiset, per-page
TP/FP/FN normalised to sum 1, precision and recall averaged over pages, F1 of the two
means. Rasd's layered extraction and trafilatura alone (as the benchmark runs it) are
scored on the same pages and printed side by side, with Rasd's per-page parse time.

    python -m bench.extraction [--shared PATH] [--limit N] [--worst K]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

from crawler.extract import extract_article

ROOT = Path(__file__).resolve().parents[1]
_TOKEN = re.compile(r"\w+")

Counts = tuple[float, float, float]


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def tp_fp_fn(true: str, pred: str) -> Counts:
    """Shingle matches for one page, normalised so long pages weigh no more than short ones."""
    t, p = shingles(true), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def score(counts: list[Counts]) -> dict[str, float]:
    precision = statistics.mean(_precision(*c) for c in counts if c[0] + c[1] > 0)
    recall = statistics.mean(_recall(*c) for c in counts if c[0] + c[2] > 0)
    return {"f1": 2 * precision * recall / (precision + recall), "precision": precision, "recall": recall}


def rasd_body(html: str, url: str) -> str:
    return extract_article(html, url).get("body", "")


def trafilatura_body(html: str, url: str) -> str:
    """trafilatura exactly as the benchmark's own runner calls it."""
    return trafilatura.extract(html, include_comments=False) or ""


def run(pages: list[tuple[str, str, str, str]], extractor: Callable[[str, str], str]
        ) -> tuple[list[Counts], list[float]]:
    counts, times = [], []
    for _key, html, url, truth in pages:
        start = time.perf_counter()
        body = extractor(html, url)
        times.append((time.perf_counter() - start) * 1000)
        counts.append(tp_fp_fn(truth, body))
    return counts, times


def load(folder: Path, limit: int | None) -> list[tuple[str, str, str, str]]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth)[:limit]:
        with gzip.open(folder / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as f:
            pages.append((key, f.read(), truth[key].get("url", ""), truth[key].get("articleBody", "")))
    return pages


def load_arabic(folder: Path) -> list[tuple[str, str, str, str]]:
    """The real Arabic pages (no body ground truth for most): timed only."""
    if not (folder / "SOURCES.tsv").exists():
        return []
    pages = []
    for line in (folder / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        name, url = line.split("\t")[:2]
        data = (folder / name).read_bytes()
        data = gzip.decompress(data) if name.endswith(".gz") else data
        pages.append((name, data.decode("utf-8", "replace"), url, ""))
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--worst", type=int, default=0, help="list the K pages where Rasd trails most")
    args = parser.parse_args(argv)
    folder = args.shared / "corpus" / "zyte-benchmark"
    if not (folder / "ground-truth.json").exists():
        parser.error(f"{folder} not found (the shared corpus sits beside the project)")
    pages = load(folder, args.limit)
    rasd_body(pages[0][1], pages[0][2])  # warm caches and imports outside the timings
    rasd_counts, rasd_ms = run(pages, rasd_body)
    traf_counts, traf_ms = run(pages, trafilatura_body)
    rasd, traf = score(rasd_counts), score(traf_counts)
    print(f"Zyte article-extraction benchmark, {len(pages)} pages, body F1 (4-token shingles)")
    print(f"{'':24}{'F1':>8}{'precision':>11}{'recall':>9}{'median ms':>11}")
    for name, s, ms in (("rasd (layered)", rasd, rasd_ms), ("trafilatura alone", traf, traf_ms)):
        print(f"{name:24}{s['f1']:8.3f}{s['precision']:11.3f}{s['recall']:9.3f}{statistics.median(ms):11.1f}")
    print(f"ratio rasd/trafilatura: F1 {rasd['f1'] / traf['f1']:.3f}, "
          f"median time {statistics.median(rasd_ms) / statistics.median(traf_ms):.2f}")
    arabic = load_arabic(args.shared / "corpus" / "arabic")
    if arabic:
        rasd_body(arabic[0][1], arabic[0][2])
        _, rasd_ar = run(arabic, rasd_body)
        _, traf_ar = run(arabic, trafilatura_body)
        print(f"Arabic corpus, {len(arabic)} pages, median ms per page: rasd (all fields, read-also, body) "
              f"{statistics.median(rasd_ar):.1f}, trafilatura alone (body) {statistics.median(traf_ar):.1f}")
    if args.worst:
        f1 = [2 * r[0] / (2 * r[0] + r[1] + r[2]) if r[0] else 0.0 for r in rasd_counts]
        g1 = [2 * t[0] / (2 * t[0] + t[1] + t[2]) if t[0] else 0.0 for t in traf_counts]
        order = sorted(range(len(pages)), key=lambda i: f1[i] - g1[i])[: args.worst]
        for i in order:
            print(f"  {pages[i][0][:12]} rasd {f1[i]:.3f} trafilatura {g1[i]:.3f} {pages[i][2][:70]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
