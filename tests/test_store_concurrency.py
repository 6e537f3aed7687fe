"""Concurrent writers on one embedded store: the duplicate and cluster bookkeeping stays
whole (issue 14.4), and parallel crawls with a query loop meet no "database is locked",
lose nothing and store nothing twice (issue 17.4). Real processes, a real SQLite file."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.stats import ARTICLES_NEW
from crawler.storage.integrity import problems
from crawler.storage.query import ArticleQuery
from crawler.storage.store import Store
from tests.conftest import FAST, ROOT, run_rasd, write_site
from tests.faults import start_rasd, stored_docs
from tests.localsite import NewsSite, SiteServer
from tests.test_dedup_store import T0, WIRE, article, one_sentence_changed

CLUSTERS, COPIES = 5, 4


def corpus() -> list[dict[str, Any]]:
    """Clusters of near-identical stories on several sites, published in shuffled order (so
    an earlier copy often arrives after later ones and re-roots its cluster), each also
    reached under an AMP URL of its own site (an alias)."""
    rng = random.Random(5)
    vocab = " ".join(WIRE).split()
    docs = []
    for k in range(CLUSTERS):
        words = random.Random(k)
        text = [" ".join(words.choices(vocab, k=18)) + "." for _ in WIRE]
        for c in range(COPIES):
            paragraphs = one_sentence_changed(text) if c % 2 else text
            when = T0 + timedelta(hours=rng.randrange(100))
            url = f"https://s{c}.example/news/{k}"
            docs.append(article(url, f"s{c}", paragraphs, when))
            docs.append(article(f"https://s{c}.example/amp/news/{k}", f"s{c}", paragraphs, when))
    return docs


_WRITER = """
import json, sys
from crawler.storage.store import Store
from tests.test_store_concurrency import corpus
order = json.loads(sys.argv[2])
docs = corpus()
with Store(sys.argv[1]) as store:
    for i in order:
        store.save_article(dict(docs[i]))
"""


def test_concurrent_writers_keep_every_cluster_whole(tmp_path: Path) -> None:
    """Four processes save the same articles in different orders at once, twice (the second
    round refreshes what is stored): every invariant holds and each story is stored once."""
    db = str(tmp_path / "rasd.db")
    Store(db).close()
    n = len(corpus())
    for round_ in range(2):
        orders = [random.Random(round_ * 10 + w).sample(range(n), n) for w in range(4)]
        writers = [subprocess.Popen([sys.executable, "-c", _WRITER, db, json.dumps(order)], cwd=ROOT,
                                    env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                                    stderr=subprocess.PIPE, text=True) for order in orders]
        for w in writers:
            _out, err = w.communicate(timeout=120)
            assert w.returncode == 0, err
    with Store(db) as store:
        assert problems(store) == []
        docs = list(store.iter_articles())
    assert len(docs) == CLUSTERS * COPIES  # the AMP URLs are aliases, never articles
    assert len({d["cluster_id"] for d in docs}) == CLUSTERS
    for d in docs:  # whichever URL was saved first is the article, the other its alias
        plain = d["url"].replace("/amp/", "/")
        assert {d["url"], *d["aliases"]} == {plain, plain.replace("/news/", "/amp/news/")}


@pytest.mark.slow
def test_two_crawls_of_one_site_at_once_repeated(tmp_path: Path) -> None:
    """Two `rasd crawl` of the same site at the same time, three times over: the site's
    stories reached under several URLs, so both crawls race to store and alias them."""
    site = NewsSite(n=12, per_page=12)
    sites = tmp_path / "sites"
    db = tmp_path / "store" / "rasd.db"
    env = {"RASD_DB": str(db), "RASD_SITES": str(sites)}
    with SiteServer(site) as server:
        site.extra_links = [f"/amp{s.path}" for s in site.stories.values()] + [
            f"/news/{s.id}" for s in site.stories.values()]
        write_site(sites, "local", server.url, read_also_depth=0)
        for _ in range(3):
            crawls = [start_rasd("crawl", "local", *FAST, env=env) for _ in range(2)]
            for proc in crawls:
                _out, err = proc.communicate(timeout=180)
                assert proc.returncode == 0, err
    with Store(str(db)) as store:
        assert problems(store) == []
    urls = [d["url"] for d in stored_docs(db)]
    assert len(urls) == len(set(urls)) == 12


@pytest.mark.slow
def test_four_parallel_crawls_and_a_query_loop(tmp_path: Path) -> None:
    sites_dir = tmp_path / "sites"
    db = tmp_path / "store" / "rasd.db"
    env = {"RASD_DB": str(db), "RASD_SITES": str(sites_dir)}
    Store(str(db)).close()
    sites = [NewsSite(n=15, per_page=15, name=f"موقع {i}") for i in range(4)]
    servers = [SiteServer(s) for s in sites]
    queries: list[int] = []
    failures: list[str] = []
    done = threading.Event()

    def query_loop() -> None:
        with Store(str(db)) as store:
            while not done.is_set():
                try:
                    store.find_articles(ArticleQuery(search="كوريا", limit=20))
                    store.find_articles(ArticleQuery(limit=20, sort="date"))
                    store.count_articles(ArticleQuery())
                    queries.append(1)
                except Exception as exc:  # counted: the test asserts there were none
                    failures.append(repr(exc))

    try:
        for i, server in enumerate(servers):
            server.__enter__()
            write_site(sites_dir, f"site{i}", server.url, read_also_depth=0)
        reader = threading.Thread(target=query_loop)
        reader.start()
        crawls = [start_rasd("crawl", f"site{i}", *FAST, "--stats-file", str(tmp_path / f"s{i}.jsonl"), env=env)
                  for i in range(4)]
        results = [proc.communicate(timeout=300) for proc in crawls]
        done.set()
        reader.join()
    finally:
        done.set()
        for server in servers:
            server.__exit__(None, None, None)
    for proc, (_out, err) in zip(crawls, results, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
    for i in range(4):
        stats = json.loads((tmp_path / f"s{i}.jsonl").read_text().splitlines()[0])["stats"]
        assert not stats.get("rasd/degraded") and not stats.get("rasd/spooled"), stats
        assert stats.get(ARTICLES_NEW) == 15
    assert failures == [] and len(queries) > 0
    urls = [d["url"] for d in stored_docs(db)]
    assert len(urls) == len(set(urls)) == 60
    runs = json.loads(run_rasd("runs", "--format", "json", env=env, check=True).stdout)
    assert sorted(r["status"] for r in runs) == ["ok"] * 4
