"""Parse cost per page: Rasd's offline pipeline stages against trafilatura alone, same pages.

Rasd's side is ``pipelines.offline.parse_page`` — exactly what ``rasd parse`` runs (decode, parse,
normalise, dates, read-also). Trafilatura's side is the call a user of trafilatura would make
for an article with its metadata. Both are timed in thread CPU time, page by page and
interleaved, so that load from other processes on a shared machine neither inflates the
figures nor favours whichever ran second.
"""

from __future__ import annotations

import csv
import gzip
import os
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import trafilatura
from scrapy.exceptions import DropItem

from crawler.config import SiteConfig, load_sites, site_dirs
from pipelines.offline import parse_page

ROOT = Path(__file__).resolve().parents[1]
# Same convention as tests/conftest.py: ../shared beside the checkout, or RASD_SHARED.
SHARED = Path(os.environ.get("RASD_SHARED", ROOT.parent / "shared"))

Page = tuple[str, bytes]  # (url, raw bytes as fetched)


def corpus_pages() -> list[Page]:
    """The real Arabic pages of ../shared/corpus/arabic, when the folder is there."""
    folder = SHARED / "corpus" / "arabic"
    index = folder / "SOURCES.tsv"
    if not index.exists():
        return []
    pages = []
    with index.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            data = (folder / row["file"]).read_bytes()
            if row["file"].endswith(".gz"):
                data = gzip.decompress(data)
            pages.append((row["url"], data))
    return pages


def _summary(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return {"median_ms": statistics.median(ms), "p95_ms": p95, "mean_ms": statistics.fmean(ms),
            "max_ms": ms[-1]}


def _cpu(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    start = time.thread_time()
    try:
        result = fn(*args)
    except DropItem:
        result = None
    return time.thread_time() - start, result


def measure(pages: Iterable[Page], sites: dict[str, SiteConfig]) -> dict[str, Any]:
    """Median/p95 CPU ms per page for both parsers; pages Rasd drops as non-articles count."""
    pages = list(pages)
    if not pages:
        return {}

    def owner(url: str) -> SiteConfig | None:
        return next((s for s in sites.values() if s.owns(url)), None)

    def rasd(url: str, data: bytes) -> Any:
        return parse_page(data, url, owner(url), sites)

    def traf(url: str, data: bytes) -> Any:
        return trafilatura.extract(data, url=url, with_metadata=True)

    for fn in (rasd, traf):  # first calls load models, caches and lazy imports
        fn(*pages[0])
    times: dict[str, list[float]] = {"rasd": [], "trafilatura": []}
    empty = {"rasd": 0, "trafilatura": 0}
    for url, data in pages:
        for name, fn in (("rasd", rasd), ("trafilatura", traf)):
            seconds, result = _cpu(fn, url, data)
            times[name].append(seconds)
            empty[name] += not result
    kib = statistics.median(len(d) for _, d in pages) / 1024
    return {name: {**_summary(t), "pages": len(t), "no_article": empty[name], "median_kib": kib}
            for name, t in times.items()}


def run(site_pages: list[Page], dirs: list[Path]) -> dict[str, dict[str, Any]]:
    """Both page sets: the generated site's (as crawled, with the crawl's site configs) and the
    real corpus (when present, with the built-in configs, as ``rasd parse`` would)."""
    results = {"generated site": measure(site_pages, load_sites(dirs))}
    real = corpus_pages()
    if real:
        builtin = [d for d in site_dirs() if d.is_dir()]
        results["real pages (../shared/corpus/arabic)"] = measure(real, load_sites(builtin))
    return results
