"""The benchmark's news site: tests/localsite.py's pages, pre-rendered, served from their own process.

Rendering on request costs the server a sort of every story per page (the sidebar), and a
server in the benchmark's own process would compete with it for the GIL. Pre-rendered bytes
served from a separate process keep the site out of the measurement; ``measure_alone`` and
the server's CPU seconds during the crawl show by how much.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from functools import cached_property
from http.client import HTTPConnection
from multiprocessing.connection import Connection
from urllib.parse import unquote, urlsplit

from tests.localsite import NewsSite, SiteServer

Page = tuple[int, str, bytes]


class FrozenSite(NewsSite):
    """A NewsSite that is never edited, so the newest-first order is computed once.

    The stories' text is that of a news site rather than of the tests' site, whose stories
    are one template (every page a near-duplicate of every other): ~300 words drawn from a
    Zipf vocabulary (bench.neardup's corpus), and every ``copy_every``-th story a copy of the
    one before with one sentence rewritten, as wire stories and daily bulletins are."""

    def __init__(self, n: int, per_page: int, copy_every: int = 10) -> None:
        from bench.neardup import Corpus

        super().__init__(n=n, per_page=per_page)
        corpus = Corpus(seed=11)
        for i, story in self.stories.items():
            sentences = corpus.sentences(20)
            if i % copy_every == copy_every - 1 and i - 1 in self.stories:
                earlier = self.stories[i - 1].paragraphs
                story.paragraphs = [*earlier[:-1], " ".join([sentences[0], *earlier[-1].split(". ")[1:]])]
            else:
                story.paragraphs = [" ".join(sentences[k:k + 5]) for k in range(0, 20, 5)]

    @cached_property
    def _ordered(self) -> list:
        return super().ordered()

    def ordered(self) -> list:
        return self._ordered


class PrerenderedSite:
    """Every page of a site rendered once; ``render`` is a dictionary look-up."""

    def __init__(self, site: NewsSite) -> None:
        pages = (len(site.stories) + site.per_page - 1) // site.per_page
        paths = ["/", "/rss.xml", "/sitemap.xml", "/sitemap-news.xml", "/robots.txt",
                 *(f"/page/{p}" for p in range(1, pages + 1)),
                 *(unquote(s.path) for s in site.stories.values())]
        self.pages: dict[str, Page] = {}
        for path in paths:
            status, ctype, body = site.render(path)
            self.pages[path] = (status, ctype, body.encode("utf-8"))
        self.missing = site.render("/no-such-page")
        self.article_paths = [s.path for s in site.stories.values()]  # as on the wire: quoted

        # What tests of shared politeness read and set: requests by user agent, requests
        # being answered now (and the most at once), a delay before every answer, and a
        # user agent answered 429 with Retry-After (a site rate-limiting one address).
        self.lock = threading.Lock()
        self.agents: Counter[str] = Counter()
        self.answering = self.most_at_once = 0
        self.latency = 0.0
        self.refused: tuple[str, int] | None = None

    def render(self, path: str) -> tuple[int, str, bytes | str]:
        return self.pages.get(unquote(urlsplit(path).path)) or self.missing

    def render_request(self, path: str, headers: Message) -> tuple[int, str, bytes | str] | tuple[
            int, str, bytes, dict[str, str]]:
        agent = headers.get("User-Agent", "")
        with self.lock:
            self.agents[agent] += 1
            self.answering += 1
            self.most_at_once = max(self.most_at_once, self.answering)
        try:
            if self.latency:
                time.sleep(self.latency)
            if self.refused and self.refused[0] in agent:
                return 429, "text/plain; charset=utf-8", b"too many requests", {"Retry-After": str(self.refused[1])}
            return self.render(path)
        finally:
            with self.lock:
                self.answering -= 1


def _serve(n: int, per_page: int, conn: Connection) -> None:
    """Child process: build and serve the site, answer CPU-time queries until told to stop."""
    site = FrozenSite(n=n, per_page=per_page)
    with SiteServer(site) as server:  # binding first sets site.base, which feeds and sitemaps need
        started = time.perf_counter()
        server.site = PrerenderedSite(site)
        conn.send({"url": server.url, "render_seconds": time.perf_counter() - started,
                   "bytes": sum(len(p[2]) for p in server.site.pages.values()),
                   "article_paths": server.site.article_paths})
        while True:
            message = conn.recv()
            if message == "cpu":
                conn.send(time.process_time())
            elif message == "hits":
                conn.send(server.article_hits())
            elif message == "requests":
                conn.send(sum(server.hits.values()))
            elif message == "agents":
                conn.send(dict(server.site.agents))
            elif message == "most_at_once":  # since the last time it was asked
                with server.site.lock:
                    conn.send(server.site.most_at_once)
                    server.site.most_at_once = server.site.answering
            elif isinstance(message, tuple) and message[0] == "latency":
                server.site.latency = message[1]
            elif isinstance(message, tuple) and message[0] == "refuse":
                server.site.refused = message[1:] or None
            else:
                break


@dataclass
class RunningSite:
    url: str
    render_seconds: float
    bytes: int
    article_paths: list[str]
    conn: Connection

    def cpu_seconds(self) -> float:
        """CPU the server process has used so far (all threads)."""
        self.conn.send("cpu")
        return self.conn.recv()

    def article_hits(self) -> int:
        self.conn.send("hits")
        return self.conn.recv()

    def requests(self) -> int:
        """Every request the site answered, whatever the page."""
        self.conn.send("requests")
        return self.conn.recv()

    def by_agent(self) -> dict[str, int]:
        """Requests so far by user agent (workers told apart by ``-s USER_AGENT``)."""
        self.conn.send("agents")
        return self.conn.recv()

    def most_at_once(self) -> int:
        """The most requests the site was answering at the same time since the last call."""
        self.conn.send("most_at_once")
        return self.conn.recv()

    def answer_slowly(self, seconds: float) -> None:
        self.conn.send(("latency", seconds))

    def refuse(self, agent_part: str | None, retry_after: int = 0) -> None:
        """Answer 429 with Retry-After to every request whose user agent contains
        ``agent_part``; None: refuse no one again."""
        self.conn.send(("refuse", agent_part, retry_after) if agent_part is not None else ("refuse",))


@contextmanager
def serve(n: int, per_page: int = 20) -> Iterator[RunningSite]:
    """Run the site in a child process for the duration of the ``with`` block."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(n, per_page, child), daemon=True)
    proc.start()
    child.close()  # so that recv() raises EOFError instead of hanging if the server dies
    try:
        info = parent.recv()
        yield RunningSite(conn=parent, **info)
    finally:
        parent.send("stop")
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()


def measure_alone(site: RunningSite, concurrency: int = 8, requests: int = 3000) -> dict[str, float]:
    """Fetch article pages as fast as a keep-alive client can, with nothing else running.

    The client is Python too, so its rate is a lower bound on what the server can do; the
    server's CPU per page gives the ceiling (one core's worth).
    """
    paths = list(itertools.islice(itertools.cycle(site.article_paths), requests))
    host = urlsplit(site.url)
    latencies: list[float] = []
    lock = threading.Lock()
    chunks = [paths[i::concurrency] for i in range(concurrency)]

    def worker(chunk: list[str]) -> None:
        conn = HTTPConnection(host.hostname, host.port, timeout=30)
        mine = []
        for path in chunk:
            t0 = time.perf_counter()
            conn.request("GET", path)
            conn.getresponse().read()
            mine.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            latencies.extend(mine)

    cpu0 = site.cpu_seconds()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    server_cpu = site.cpu_seconds() - cpu0
    return {
        "pages": len(latencies),
        "pages_per_min": len(latencies) / wall * 60,
        "server_cpu_ms_per_page": server_cpu / max(len(latencies), 1) * 1000,
        "server_ceiling_pages_per_min": len(latencies) / max(server_cpu, 1e-9) * 60,
        "latency_ms_median": statistics.median(latencies) * 1000,
        "concurrency": concurrency,
    }
