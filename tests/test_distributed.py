"""Several machines (issue 19): `rasd worker`s sharing one frontier in a real redis-server.

Workers are real `rasd worker` processes on one machine sharing the embedded store (what
several machines do through MongoDB), crawling bench/site.py's pre-rendered Arabic site
served from its own process. The backfill tests crawl the issue's archive of 2,000 articles
(RASD_TEST_ARCHIVE to change it; three workers with politeness off take ~45 s for it on two
loaded cores); the politeness tests use a 300-article site and measure 20-second windows.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.site import RunningSite, serve
from tests.conftest import ROOT, run_rasd, stored, write_site
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow

POLITENESS_OFF = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
ARCHIVE = int(os.environ.get("RASD_TEST_ARCHIVE", "2000"))
QUICK_HEARTBEAT = ("-s", "RASD_WORKER_HEARTBEAT=1", "-s", "RASD_WORKER_POLL=0.5")


class Cluster:
    """Redis, a store and N workers for one test; every process is stopped at the end."""

    def __init__(self, tmp: Path, url: str, name: str = "bench", **config: object) -> None:
        self.tmp, self.name = tmp, name
        self.redis = RedisServer(tmp / "redis")
        self.redis.start()
        write_site(tmp / "sites", name, url, **config)
        self.env = {"RASD_DB": str(tmp / "store" / "rasd.db"), "RASD_SITES": str(tmp / "sites")}
        self.workers: list[subprocess.Popen[bytes]] = []
        # The store exists before processes start together: several creating one embedded
        # store at the same instant can collide (a store-layer race, not this test's subject).
        run_rasd("runs", env=self.env, check=True)

    def worker(self, *settings: str) -> subprocess.Popen[bytes]:
        index = len(self.workers)
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "worker", "--redis", self.redis.url, "--id", f"w{index}",
             *QUICK_HEARTBEAT, *settings],
            env={**os.environ, "PYTHONPATH": str(ROOT), **self.env}, cwd=ROOT,
            stdout=(self.tmp / f"worker{index}.log").open("wb"), stderr=subprocess.STDOUT)
        self.workers.append(proc)
        return proc

    def scheduler(self, index: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "schedule", self.name, "--redis", self.redis.url,
             "--log-file", str(self.tmp / f"schedule{index}.log"), "-s", "RASD_SCHEDULER_LOCK_TTL=3"],
            env={**os.environ, "PYTHONPATH": str(ROOT), **self.env}, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def log(self, index: int) -> str:
        return (self.tmp / f"worker{index}.log").read_text(encoding="utf-8", errors="replace")

    def crawl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_rasd("crawl", self.name, "--redis", self.redis.url, *args, env=self.env, check=True)

    def open_run(self) -> str | None:
        run_id = self.redis.client().hget("rasd:runs", self.name)
        return run_id.decode() if run_id else None

    def wait(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                logs = "\n".join(self.log(i)[-3000:] for i in range(len(self.workers)))
                raise AssertionError(f"timed out waiting for {what}\n{logs}")
            time.sleep(0.5)

    def runs(self) -> list[dict]:
        return json.loads(run_rasd("runs", "--format", "json", env=self.env, check=True).stdout)

    def stop(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.redis.stop()


@pytest.fixture(scope="module")
def archive() -> Iterator[RunningSite]:
    """An archive to backfill, 20 articles a listing page."""
    with serve(ARCHIVE) as site:
        yield site


@pytest.fixture(scope="module")
def small_site() -> Iterator[RunningSite]:
    with serve(300) as site:
        yield site


@pytest.fixture
def cluster_for(tmp_path: Path) -> Iterator[Callable[[RunningSite], Cluster]]:
    made: list[Cluster] = []

    def make(url: str, **config: object) -> Cluster:
        made.append(Cluster(tmp_path, url, **config))
        return made[-1]

    yield make
    for cluster in made:
        cluster.stop()


def article_urls(env: dict[str, str]) -> Counter[str]:
    return Counter(doc["url"] for doc in stored(env))


def assert_idle(cluster: Cluster) -> None:
    """Workers stay up with nothing to do: no run, no queue, nothing in anyone's hands, and
    each joined the run once (a worker that exit-loops would join again and again)."""
    client = cluster.redis.client()
    assert not client.hgetall("rasd:runs")
    assert not client.keys("rasd:*:requests") and not client.keys("rasd:*:processing:*")
    for i, proc in enumerate(cluster.workers):
        if proc.returncode is None and proc.poll() is None:
            assert cluster.log(i).count("joins run") <= 1


@pytest.mark.flaky(reruns=2)  # several processes timed on 2 shared cores: retried under load
def test_three_workers_backfill_exact_totals(archive: RunningSite, cluster_for: Callable[..., Cluster]) -> None:
    cluster = cluster_for(archive.url)
    for _ in range(3):
        cluster.worker(*POLITENESS_OFF)
    out = cluster.crawl("--backfill").stdout
    assert "backfill" in out
    again = run_rasd("crawl", "bench", "--redis", cluster.redis.url, env=cluster.env)
    assert again.returncode == 75 and "still open" in again.stderr, "runs of a site never overlap"
    cluster.wait(lambda: cluster.open_run() is None, 240, "the run to close")
    time.sleep(2)  # idle for a while: still up, not looping
    assert all(p.poll() is None for p in cluster.workers)
    assert_idle(cluster)
    urls = article_urls(cluster.env)
    assert len(urls) == ARCHIVE and max(urls.values()) == 1
    (run,) = cluster.runs()
    assert run["status"] == "ok" and run["distributed"] and run["backfill"]
    assert run["articles"]["new"] == ARCHIVE and run["fetched"] == ARCHIVE
    assert run["articles"]["unchanged"] == 0
    assert sum(run["responses"].values()) == run["requests"] >= ARCHIVE + 15  # + listings, sitemaps, feed
    shares = [cluster.log(i).count("joins run") for i in range(3)]
    assert shares == [1, 1, 1]
    # A second run of the same site finds every article stored: the incremental check
    # filters them before they are queued, and a run record of its own is written.
    cluster.crawl()
    cluster.wait(lambda: cluster.open_run() is None, 120, "the second run to close")
    runs = cluster.runs()
    assert len(runs) == 2 and runs[0]["articles"]["new"] == 0 and runs[0]["fetched"] == 0
    assert len(article_urls(cluster.env)) == ARCHIVE


@pytest.mark.flaky(reruns=2)  # several processes timed on 2 shared cores: retried under load
def test_worker_killed_and_redis_restarted_mid_backfill(archive: RunningSite,
                                                         cluster_for: Callable[..., Cluster]) -> None:
    cluster = cluster_for(archive.url)
    for _ in range(3):
        cluster.worker(*POLITENESS_OFF)
    hits0 = archive.article_hits()
    cluster.crawl("--backfill")
    cluster.wait(lambda: archive.article_hits() - hits0 >= ARCHIVE // 5, 180, "a fifth of the archive fetched")
    victim = cluster.workers[0]
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    held = cluster.redis.client().llen("rasd:bench:processing:w0")
    cluster.wait(lambda: archive.article_hits() - hits0 >= ARCHIVE // 2, 180, "half of it fetched")
    run_id = cluster.open_run()
    cluster.redis.stop()
    time.sleep(3)
    cluster.redis.start()
    assert run_id is not None and cluster.open_run() == run_id, "the open run survived the restart (appendonly)"
    cluster.wait(lambda: cluster.open_run() is None, 600, "the run to close")
    assert "handed back" in cluster.log(1) + cluster.log(2) or held == 0
    assert all(p.poll() is None for p in cluster.workers[1:])
    assert_idle(cluster)
    urls = article_urls(cluster.env)
    assert len(urls) == ARCHIVE, "every article of the archive stored"
    assert max(urls.values()) == 1, "none stored twice"
    (run,) = cluster.runs()
    assert run["status"] == "ok"
    articles = run["articles"]
    # The dead worker's unacknowledged share was fetched again by the others: counted as
    # unchanged then, or lost with its last unflushed stats — never as new twice.
    assert articles["new"] <= ARCHIVE <= articles["new"] + articles["unchanged"]
    assert run["fetched"] >= ARCHIVE


def rate(site: RunningSite, seconds: float) -> float:
    """Requests per second the site answered (any page: politeness is per site)."""
    before = site.requests()
    time.sleep(seconds)
    return (site.requests() - before) / seconds


@pytest.mark.flaky(reruns=2)  # several processes timed on 2 shared cores: retried under load
def test_politeness_holds_for_all_workers(small_site: RunningSite, cluster_for: Callable[..., Cluster]) -> None:
    """DOWNLOAD_DELAY 2 s: 0.5 request/s for the site, whatever the number of workers; each
    worker applying it on its own would make it 1.5. (A longer delay than a site would have,
    so that three workers on two shared cores are never the limit; and no item pipelines:
    three processes writing one embedded store re-read it after each other's writes, which
    is not what this test measures.)"""
    cluster = cluster_for(small_site.url)
    # Scrapy's randomised delay draws again at each wake-up, which stretches the mean
    # interval past DOWNLOAD_DELAY: fixed delays make "3 workers = 3 × the rate" exact.
    polite = ("-s", "DOWNLOAD_DELAY=2", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False", "-s", "AUTOTHROTTLE_ENABLED=False",
              "-s", "ITEM_PIPELINES={}")
    for _ in range(3):
        cluster.worker(*polite)
    hits0 = small_site.article_hits()
    cluster.crawl("--backfill")
    cluster.wait(lambda: small_site.article_hits() - hits0 >= 3, 60, "articles being fetched")
    shared = rate(small_site, 20)
    for proc in cluster.workers:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    cluster.workers.clear()
    for _ in range(3):
        cluster.worker(*polite, "-s", "RASD_SHARED_POLITENESS=False")
    cluster.wait(lambda: all("Spider opened" in cluster.log(i) for i in range(3)), 60, "workers crawling")
    time.sleep(4)  # past each worker's first request (robots.txt, the first turn)
    alone = rate(small_site, 20)
    for proc in cluster.workers:  # done: a graceful stop would wait out their local delays
        proc.kill()
    print(f"requests/s at the site: {shared:.2f} shared, {alone:.2f} each worker on its own")
    assert 0.45 <= shared <= 0.55, f"shared politeness: {shared:.2f} requests/s, configured 0.5"
    assert alone >= 1.8 * shared, f"each worker on its own: {alone:.2f} requests/s vs {shared:.2f}"


@pytest.mark.flaky(reruns=2)  # several processes timed on 2 shared cores: retried under load
def test_scheduler_with_redis_and_two_workers(news_site: tuple, cluster_for: Callable[..., Cluster]) -> None:
    """Slots every 3 s open runs that two workers serve; runs of the site never overlap;
    a second scheduler stands by and takes over when the first stops; SIGTERM stops
    everything cleanly."""
    _, server = news_site
    cluster = cluster_for(server.url, schedule="3s")
    for _ in range(2):
        cluster.worker(*POLITENESS_OFF)
    first = cluster.scheduler(1)
    log1 = cluster.tmp / "schedule1.log"
    # The second starts once the first holds the lock (a fixed pause lost the race under load).
    cluster.wait(lambda: log1.exists() and "is the active one" in log1.read_text(encoding="utf-8"), 60,
                 "the first scheduler to become the active one")
    second = cluster.scheduler(2)
    log2 = cluster.tmp / "schedule2.log"
    cluster.wait(lambda: len([r for r in cluster.runs() if r["status"] == "ok"]) >= 2, 90, "two scheduled runs")
    assert "standing by" in log2.read_text(encoding="utf-8")
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0
    cluster.wait(lambda: "is the active one" in log2.read_text(encoding="utf-8"), 30, "the standby taking over")
    done = len([r for r in cluster.runs() if r["status"] == "ok"])
    cluster.wait(lambda: len([r for r in cluster.runs() if r["status"] == "ok"]) >= done + 1, 60,
                 "a run scheduled by the standby")
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0
    cluster.wait(lambda: cluster.open_run() is None, 60, "the last run to close")
    for proc in cluster.workers:
        proc.send_signal(signal.SIGTERM)
    assert [proc.wait(timeout=30) for proc in cluster.workers] == [0, 0]
    runs = sorted(cluster.runs(), key=lambda r: r["started"])
    assert all(r["trigger"] == "schedule" and r["status"] == "ok" for r in runs)
    for earlier, later in itertools.pairwise(runs):
        assert later["started"] >= earlier["finished"], "runs of a site overlapped"
    assert len(article_urls(cluster.env)) == 12
    status = run_rasd("status", "bench", "--format", "json", env=cluster.env)
    assert status.returncode == 0, status.stdout  # health judged from the distributed runs


def rates_by_worker(site: RunningSite, seconds: float, workers: int) -> list[float]:
    """Requests per second the site answered each worker (told apart by their user agents)."""
    before = site.by_agent()
    time.sleep(seconds)
    after = site.by_agent()
    return [sum(n - before.get(agent, 0) for agent, n in after.items() if agent.endswith(f"worker-{i}")) / seconds
            for i in range(workers)]


@pytest.mark.flaky(reruns=2)  # several processes timed on 2 shared cores: retried under load
def test_one_workers_back_off_slows_every_worker(small_site: RunningSite, cluster_for: Callable[..., Cluster]) -> None:
    """AutoThrottle on, 0.2 s delay, three workers. Mid-crawl the site answers worker 0 — and
    only it — 429 with Retry-After: 6 (a site rate-limiting one machine's address). Workers
    1 and 2, never refused, must slow down as much: the back-off is the site's, in Redis.
    Each worker on its own would go on at its pace, and take worker 0's share too."""
    cluster = cluster_for(small_site.url)
    polite = ("-s", "DOWNLOAD_DELAY=0.2", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False", "-s", "AUTOTHROTTLE_ENABLED=True",
              "-s", "AUTOTHROTTLE_START_DELAY=0.2", "-s", "ITEM_PIPELINES={}")
    for i in range(3):
        cluster.worker(*polite, "-s", f"USER_AGENT=Rasd-test worker-{i}")
    hits0 = small_site.article_hits()
    cluster.crawl("--backfill")
    cluster.wait(lambda: small_site.article_hits() - hits0 >= 10, 60, "articles being fetched")
    before = rates_by_worker(small_site, 8, 3)
    small_site.refuse("worker-0", 6)
    try:
        time.sleep(0.5)  # worker 0's next request is refused
        after = rates_by_worker(small_site, 8, 3)
    finally:
        small_site.refuse(None)  # the site is shared by the module's tests
    print(f"requests/s by worker: {before} before, {after} after worker 0 was refused")
    assert min(before) > 0.5, "every worker was crawling before"
    assert after[0] > 0, "worker 0 asked again (and was refused)"
    assert after[1] + after[2] < 0.5 * (before[1] + before[2]), "workers 1 and 2 backed off with worker 0"


@pytest.mark.flaky(reruns=2)  # several processes timed on 2 shared cores: retried under load
def test_site_concurrency_holds_for_all_workers(small_site: RunningSite,
                                                cluster_for: Callable[..., Cluster]) -> None:
    """CONCURRENT_REQUESTS_PER_DOMAIN 2 with three workers, on a site that takes 0.5 s per
    answer: the site answers at most 2 at once (it would be 6 with each worker on its own)."""
    cluster = cluster_for(small_site.url)
    small_site.answer_slowly(0.5)
    try:
        for i in range(3):
            cluster.worker("-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False",
                           "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "ITEM_PIPELINES={}",
                           "-s", f"USER_AGENT=Rasd-test worker-{i}")
        hits0 = small_site.article_hits()
        cluster.crawl("--backfill")
        cluster.wait(lambda: small_site.article_hits() - hits0 >= 6, 60, "articles being fetched")
        small_site.most_at_once()
        rates = rates_by_worker(small_site, 8, 3)
        most = small_site.most_at_once()
    finally:
        small_site.answer_slowly(0)
    print(f"requests/s by worker {rates}; at most {most} answered at once")
    assert sum(1 for r in rates if r > 0) >= 2, "several workers were crawling"
    assert most <= 2, f"{most} requests at once: the site's concurrency is 2 for all workers"
    # 2 at a time, 0.5 s each: 4/s at best (measured 3.6); a slot never freed would make it ~0
    assert sum(rates) >= 1.5, "the site's two slots were kept busy"


@pytest.mark.flaky(reruns=2)  # several processes timed on 2 shared cores: retried under load
def test_run_over_max_duration_is_stopped(small_site: RunningSite, cluster_for: Callable[..., Cluster]) -> None:
    """max_duration 6 s on a backfill that needs far longer at 2 requests/s: the run is
    closed as timed out, its queue cleared, and the workers fall idle (still up)."""
    cluster = cluster_for(small_site.url, max_duration="6s")
    for _ in range(2):
        cluster.worker("-s", "DOWNLOAD_DELAY=0.5", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False",
                       "-s", "AUTOTHROTTLE_ENABLED=False")
    started = time.monotonic()
    cluster.crawl("--backfill")
    cluster.wait(lambda: cluster.open_run() is None, 60, "the run to be stopped")
    took = time.monotonic() - started
    time.sleep(3)  # in-flight pages finish; nothing they found may be left queued
    hits = small_site.article_hits()
    time.sleep(3)
    assert small_site.article_hits() == hits, "nothing is fetched once the run is stopped"
    assert all(p.poll() is None for p in cluster.workers)
    assert_idle(cluster)
    (run,) = cluster.runs()
    assert run["status"] == "timeout" and run["trigger"] == "manual"
    assert any("max_duration (6s)" in sample for sample in run["error_samples"])
    assert len(article_urls(cluster.env)) < 300
    assert took < 40, f"stopped {took:.0f} s after it opened, for a limit of 6 s"
