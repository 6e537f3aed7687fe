"""``python -m bench.serve``: `rasd serve` under load, next to the same queries through the CLI.

A store of ``--articles`` (default 100,000) generated Arabic articles over several sites is
built once (through the Store API's bulk import, as `rasd migrate` copies a store) and kept
in a cache folder.
`rasd serve` then runs as its own process, as deployed, and ``--clients`` threads with
keep-alive connections send requests for ``--seconds`` to each of: the search page with a
query, the JSON API with a query, and an article page. Printed: requests, requests/s and
p50/p95/p99 latency per kind, against the targets (p95 < 300 ms for search and API,
< 100 ms for an article page: reported met/missed, not asserted), and the time of the same
queries through the CLI (`rasd articles --search`, `rasd article`), each a fresh process.

``--screenshots DIR`` saves the search page and the dashboard (PNG, headless Chromium) from
the same store instead, for the README.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import quote

from crawler.arabic import normalise
from crawler.storage.query import ArticleQuery
from crawler.storage.store import Store

SITES = ("aljazeera", "bbcarabic", "alarabiya", "skynewsarabia", "youm7", "hespress", "aawsat", "masrawy")
TOPICS = ("الاقتصاد", "الانتخابات", "كرة القدم", "الطقس", "النفط", "التعليم", "الصحة", "غزة", "السودان", "المغرب")
WORDS = ("قال", "وزير", "الحكومة", "اليوم", "أن", "المفاوضات", "مستمرة", "بين", "الأطراف", "في", "العاصمة",
         "وأضاف", "المصدر", "الأسواق", "تتابع", "التطورات", "بقلق", "مع", "ارتفاع", "الأسعار")
QUERIES = ("الاقتصاد", "الانتخابات", "كرة القدم", "النفط", "السودان", "الصحه", "المغرب", "الطقس")
BATCH = 10_000  # articles per import transaction
TIMEOUT = 1800  # a request started within the window is waited for, however slow: its latency counts
TARGETS_MS = {"search page": 300, "api": 300, "article page": 100}


def generate_articles(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``n`` articles as ``save_article`` would store them (first and last seen, version 1,
    each its own cluster: no signatures, so no duplicate checks to run)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        title = f"{topic}: {' '.join(rng.choices(WORDS, k=6))} {i}"
        body = "\n".join(" ".join(rng.choices(WORDS, k=25)) + f" {topic}." for _ in range(4))
        seen = now - timedelta(minutes=7 * i)
        yield {
            "url": f"https://{SITES[i % len(SITES)]}.example/news/{i}", "site": SITES[i % len(SITES)],
            "title": title, "body": body, "language": "ar", "published": seen,
            "title_norm": normalise(title), "body_norm": normalise(body), "tags": [topic],
            "tags_norm": [normalise(topic)], "read_also": [], "authors": [],
            "first_seen": seen, "last_seen": seen, "version": 1, "duplicate_of": None, "cluster_id": uuid.uuid4().hex,
        }


def build_store(db: Path, n: int) -> list[str]:
    """``n`` articles (reused when the cache already holds them); their ids. Written through
    the Store API's bulk import (as `rasd migrate` copies a store), a transaction per
    batch: the crawl's one-article-at-a-time ``save_article`` would take far longer at this size."""
    marker = db.with_name(f"built-{n}")
    if not marker.exists():
        started = time.perf_counter()
        docs = generate_articles(n)
        with Store(str(db)) as store:
            while batch := list(itertools.islice(docs, BATCH)):
                store.import_articles(batch)
                print(f"  stored {store.count_articles(ArticleQuery()):,} articles "
                      f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        marker.write_text(str(n))
    with Store(str(db)) as store:
        return [str(d["_id"]) for d in itertools.islice(store.iter_articles(), 2000)]


def add_demo_runs(db: Path, days: int = 14) -> None:
    """Two runs a day per site with realistic outcomes, so the dashboard's screenshot shows charts."""
    from crawler.ops.runs import apply_update, new_run

    rng = random.Random(3)
    now = datetime.now(UTC)
    with Store(str(db)) as store:
        for day in range(days, 0, -1):
            for site in SITES:
                for hour in (3, 15):
                    started = now - timedelta(days=day, hours=-hour)
                    status = rng.choices(["ok", "degraded", "failed", "timeout"], [20, 2, 2, 1])[0]
                    errors = {"http_503": rng.randint(1, 9)} if status == "failed" else (
                        {"timeout": rng.randint(1, 4)} if status != "ok" else {})
                    run_id = new_run(store, site, "schedule")
                    apply_update(store, {"_id": run_id, "set": {
                        "started": started, "status": status, "duration": rng.uniform(20, 240),
                        "finished": started + timedelta(minutes=3), "requests": rng.randint(40, 200),
                        "articles": {"new": rng.randint(0, 40), "updated": rng.randint(0, 5), "unchanged": 20,
                                     "duplicate": rng.randint(0, 3)},
                        "errors": errors, "error_count": sum(errors.values()), "fetched": 60}})


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "serve", "--db", str(db), "--port", str(port)],
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=600)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("rasd serve did not answer")


def load(port: int, paths: list[str], clients: int, seconds: float) -> tuple[list[float], int]:
    """Latencies (ms) of every request started within ``seconds`` and answered 200; the count
    of errors."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        rng = random.Random(k)
        conn = HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        mine: list[float] = []
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                conn.request("GET", rng.choice(paths))
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
                conn = HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
            if ok:
                mine.append((time.perf_counter() - t0) * 1000)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def cli_seconds(db: Path, *args: str, runs: int = 3) -> float:
    """Median wall time of a fresh `rasd` process (start-up and store opening included)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "crawler.cli", *args, "--db", str(db)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def screenshots(port: int, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    flags = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ar")
        page.goto(f"http://127.0.0.1:{port}/?q={quote('الانتخابات')}", timeout=600_000)
        page.screenshot(path=str(out / "serve-search.png"))
        page.goto(f"http://127.0.0.1:{port}/sites", timeout=600_000)
        page.screenshot(path=str(out / "serve-dashboard.png"))
        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, locale="ar")
        phone.goto(f"http://127.0.0.1:{port}/?q={quote('الانتخابات')}", timeout=600_000)
        phone.screenshot(path=str(out / "serve-phone.png"))
        browser.close()
    print(f"screenshots in {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0, help="per kind of request")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "rasd-bench-serve",
                        help="where the generated store is kept between runs")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--cli-runs", type=int, default=3, help="CLI runs per query (median)")
    parser.add_argument("--screenshots", type=Path, metavar="DIR", help="save screenshots instead of measuring")
    args = parser.parse_args(argv)

    if args.screenshots:  # a small store with run records: what a reader of the README should see
        args.articles = min(args.articles, 3000)
    db = args.cache / f"{args.articles}{'-demo' if args.screenshots else ''}" / "rasd.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ids = build_store(db, args.articles)
    if args.screenshots and not db.with_name("runs").exists():
        add_demo_runs(db)
        db.with_name("runs").write_text("added")
    print(f"store: {args.articles:,} articles at {db} (ready in {time.perf_counter() - t0:.0f} s)")
    t0 = time.perf_counter()
    server = start_server(db, args.port)
    print(f"rasd serve answering after {time.perf_counter() - t0:.1f} s (opens and indexes the store)")
    try:
        if args.screenshots:
            screenshots(args.port, args.screenshots)
            return 0
        kinds = {  # the cheap kind first: a slow kind's queue must not spill into the next one
            "article page": [f"/article/{i}" for i in ids],
            "api": [f"/api/articles?q={quote(q)}&size=20" for q in QUERIES],
            "search page": [f"/?q={quote(q)}" for q in QUERIES],
        }
        print(f"{args.clients} clients, {args.seconds:.0f} s per kind")
        print(f"{'kind':<14}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}  target")
        for kind, paths in kinds.items():
            latencies, errors = load(args.port, paths, args.clients, args.seconds)
            p95 = percentile(latencies, 0.95)
            verdict = "met" if p95 < TARGETS_MS[kind] else "missed"
            print(f"{kind:<14}{len(latencies):>9}{len(latencies) / args.seconds:>8.1f}"
                  f"{percentile(latencies, 0.50):>9.0f}{p95:>9.0f}{percentile(latencies, 0.99):>9.0f}{errors:>8}"
                  f"  p95 < {TARGETS_MS[kind]} ms: {verdict}")
    finally:
        server.terminate()
        server.wait(30)
    print(f"the same through the CLI (a fresh process each, median of {args.cli_runs}):")
    search = cli_seconds(db, "articles", "--search", QUERIES[0], "--limit", "20", runs=args.cli_runs)
    print(f"  rasd articles --search {QUERIES[0]} --limit 20: {search * 1000:.0f} ms")
    one = cli_seconds(db, "article", ids[0], "--format", "json", runs=args.cli_runs)
    print(f"  rasd article ID --format json: {one * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
