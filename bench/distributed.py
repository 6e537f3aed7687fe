"""Several machines (issue 19): 1, 2 and 4 ``rasd worker``s against single-process ``rasd crawl``.

    python -m bench.distributed [--articles 400] [--workers 1 2 4]

Politeness off, the same pre-rendered local site (bench/site.py), a fresh embedded store
and a fresh redis-server (appendonly, as the README asks) for every configuration. Per
configuration: pages/min, CPU seconds per page (crawl processes only; the site and Redis
are reported apart), pages per CPU second, Redis round trips and bytes per page (from
``INFO stats``). Then what the parts cost on their own: the dupefilter's memory per URL
(``MEMORY USAGE`` of a run's fingerprint set, 1 M URLs extrapolated) and the shared
politeness's cost per request. On this 2-core machine the speed-up is bounded by the cores:
compare pages per CPU second too. Several workers on one embedded store queue for its one
write lock; MongoDB has no such limit.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench.site import serve
from tests.conftest import write_site
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[1]
SITE = "benchsite"
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "RASD_WORKER_POLL=0.5")


def rasd(work: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "--db", str(work / "store" / "rasd.db"),
            "--sites", str(work / "sites"), *args]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fetched(work: Path) -> int:
    import json

    runs = json.loads(subprocess.run(rasd(work, "runs", "--format", "json"), capture_output=True,
                                     text=True, check=True, cwd=ROOT).stdout)
    return runs[0]["fetched"]


def single(url: str, tmp: Path) -> dict[str, Any]:
    work = tmp / "single"
    write_site(work / "sites", SITE, url)
    cpu0, t0 = children_cpu(), time.perf_counter()
    subprocess.run(rasd(work, "crawl", SITE, *FAST), capture_output=True, check=True, cwd=ROOT)
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    return {"setup": "rasd crawl (1 process)", **figures(fetched(work), wall, cpu)}


def distributed(url: str, tmp: Path, workers: int) -> dict[str, Any]:
    work = tmp / f"workers{workers}"
    write_site(work / "sites", SITE, url)
    redis_server = RedisServer(work / "redis")
    redis_server.start()
    client = redis_server.client()
    procs = [subprocess.Popen(rasd(work, "worker", "--redis", redis_server.url, *FAST),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
             for _ in range(workers)]
    try:
        while client.scard("rasd:workers") < workers:
            time.sleep(0.2)
        time.sleep(3)  # imports done: count the crawl, not Python starting
        handles = [psutil.Process(p.pid) for p in procs]
        cpu0 = sum(sum(h.cpu_times()[:2]) for h in handles)
        stats0 = client.info("stats")
        t0 = time.perf_counter()
        subprocess.run(rasd(work, "crawl", SITE, "--redis", redis_server.url), capture_output=True, check=True,
                       cwd=ROOT)
        while client.hget("rasd:runs", SITE):
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        cpu = sum(sum(h.cpu_times()[:2]) for h in handles) - cpu0
        stats = client.info("stats")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
        redis_server.stop()
    pages = fetched(work)
    calls = stats["total_commands_processed"] - stats0["total_commands_processed"]
    net = (stats["total_net_input_bytes"] - stats0["total_net_input_bytes"]
           + stats["total_net_output_bytes"] - stats0["total_net_output_bytes"])
    return {"setup": f"{workers} worker(s)", **figures(pages, wall, cpu),
            "redis_commands_per_page": calls / max(pages, 1), "redis_bytes_per_page": net / max(pages, 1)}


def figures(pages: int, wall: float, cpu: float) -> dict[str, Any]:
    return {"pages": pages, "seconds": wall, "pages_per_min": pages / wall * 60,
            "cpu_ms_per_page": cpu / max(pages, 1) * 1000, "pages_per_cpu_s": pages / max(cpu, 1e-9)}


def dupefilter_memory(tmp: Path, urls: int = 200_000) -> dict[str, float]:
    """A run's fingerprint set as the workers fill it: 20-byte SHA-1 fingerprints."""
    import hashlib

    redis_server = RedisServer(tmp / "redis-memory")
    redis_server.start()
    client = redis_server.client()
    try:
        pipe = client.pipeline(transaction=False)
        for i in range(urls):
            pipe.sadd("rasd:run:x:seen", hashlib.sha1(f"https://example.com/news/{i}".encode()).digest())
            if i % 10_000 == 9_999:
                pipe.execute()
        pipe.execute()
        per_url = client.memory_usage("rasd:run:x:seen", samples=0) / urls
    finally:
        redis_server.stop()
    return {"urls": urls, "bytes_per_url": per_url, "mb_per_million_urls": per_url * 1e6 / 2**20}


def rate_limit_cost(tmp: Path, requests: int = 5000) -> dict[str, float]:
    """What the shared politeness adds to each request: a turn taken (delay and concurrency
    slot) and the answer reported (AutoThrottle on the shared delay, slot freed)."""
    from scrapy.settings import Settings

    from crawler.distributed.politeness import SitePoliteness

    redis_server = RedisServer(tmp / "redis-politeness")
    redis_server.start()
    try:
        client = redis_server.client()
        settings = Settings({"DOWNLOAD_DELAY": 1e-6, "AUTOTHROTTLE_ENABLED": True, "AUTOTHROTTLE_START_DELAY": 1e-6,
                             "AUTOTHROTTLE_MAX_DELAY": 1e-6, "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
                             "CONCURRENT_REQUESTS_PER_DOMAIN": 0, "DOWNLOAD_TIMEOUT": 30})
        sites = SitePoliteness.from_settings(client, settings)  # never limiting: the cost of asking, not of waiting
        stats0 = client.info("stats")
        t0 = time.perf_counter()
        for i in range(requests):
            sites.take_turn("bench", str(i))
            sites.answered("bench", str(i), 0.01, 200, 0.0)
        elapsed = time.perf_counter() - t0
        stats = client.info("stats")
    finally:
        redis_server.stop()
    return {"us_per_request": elapsed / requests * 1e6,
            "redis_round_trips_per_request": 2.0,
            "redis_commands_per_request": (stats["total_commands_processed"]
                                           - stats0["total_commands_processed"]) / requests}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.distributed", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPU(s); site: {args.articles} articles; politeness off")
    with tempfile.TemporaryDirectory(prefix="rasd-bench-dist-") as folder, serve(args.articles) as site:
        tmp = Path(folder)
        rows = [single(site.url, tmp)] + [distributed(site.url, tmp, n) for n in args.workers]
        print(f"{'setup':<24}{'pages':>7}{'pages/min':>11}{'CPU ms/page':>13}{'pages/CPU s':>13}"
              f"{'Redis cmds/page':>17}{'Redis bytes/page':>18}")
        for r in rows:
            print(f"{r['setup']:<24}{r['pages']:>7}{r['pages_per_min']:>11.0f}{r['cpu_ms_per_page']:>13.1f}"
                  f"{r['pages_per_cpu_s']:>13.1f}{r.get('redis_commands_per_page', 0):>17.1f}"
                  f"{r.get('redis_bytes_per_page', 0):>18.0f}")
        memory = dupefilter_memory(tmp)
        print(f"dupefilter: {memory['bytes_per_url']:.0f} bytes per URL, "
              f"{memory['mb_per_million_urls']:.0f} MiB of Redis per million URLs seen (set of {memory['urls']})")
        cost = rate_limit_cost(tmp)
        print(f"shared politeness: {cost['us_per_request']:.0f} µs, {cost['redis_round_trips_per_request']:.0f} "
              f"round trips and {cost['redis_commands_per_request']:.1f} Redis command(s) per request")


if __name__ == "__main__":
    main()
