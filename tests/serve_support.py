"""Helpers for the ``rasd serve`` tests: articles built as the pipelines build them (seeded
through the store's own save path, not by crawling, to keep the tests quick), and the real
app on a real port in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn

from crawler.arabic import normalise
from crawler.serve.app import ServeConfig, create_app
from crawler.storage import neardup
from crawler.storage.store import Store
from pipelines.normalise import fingerprint
from tests.faults import free_port

BROWSER_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]


def article(url: str, title: str, body: str, site: str = "watan", published: datetime | None = None,
            **extra: Any) -> dict[str, Any]:
    """A document as the parse → normalise → dedup stages leave it."""
    doc: dict[str, Any] = {"url": url, "site": site, "title": title, "body": body, "published": published,
                           "language": "ar", "authors": [], "tags": [], "read_also": [],
                           "extraction": {"title": "jsonld", "body": "trafilatura", "published": "meta"}, **extra}
    doc["title_norm"], doc["body_norm"] = normalise(title), normalise(body)
    doc["tags_norm"] = [normalise(t) for t in doc["tags"]]
    doc["fingerprint"] = fingerprint(doc["body_norm"])
    keys = neardup.keys(doc["body_norm"])
    if keys is not None:
        doc["minhash"], doc["lsh"] = keys.signature, keys.bands
    return doc


def seed(db: str, docs: list[dict[str, Any]], now: datetime | None = None) -> list[Any]:
    with Store(db) as store:
        return [store.save_article(dict(d), now=now).doc_id for d in docs]


@contextmanager
def serving(config: ServeConfig) -> Iterator[str]:
    """The app on 127.0.0.1:<free port> until the block ends; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("rasd serve did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(10)


# Noon today: the dashboard charts the last 30 days of the real clock.
NOW = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
SENTENCE = "قال وزير الاقتصاد إن الأسواق تتابع التطورات القادمة من القاهرة والرياض بقلق بالغ. "


def body(i: int, topic: str = "") -> str:
    """A distinct story text (long enough for near-duplicate signatures)."""
    words = " ".join(f"كلمة{i}_{k}" for k in range(40))
    return f"{topic} {SENTENCE} {words}\n{SENTENCE}\nفقرة أخيرة رقم {i}."


def seed_corpus(db: str) -> dict[str, Any]:
    """The store every serve test reads: 26 watan articles (titles with «الأخبار», one a day),
    4 bbcarabic ones (one English), a cross-site near-duplicate, an edited article,
    read-also links to a stored and an uncrawled page, and run records."""
    from crawler.ops.runs import apply_update, finish_run, new_run

    ids: dict[str, Any] = {}
    docs = [article(f"https://watan.example/news/{i}", f"الأخبار رقم {i} من القاهرة", body(i), site="watan",
                    published=NOW - timedelta(days=i, hours=1)) for i in range(26)]
    docs += [article(f"https://www.bbc.example/arabic/{i}", f"تقرير بي بي سي {i} عن الاقتصاد", body(100 + i),
                     site="bbcarabic", published=NOW - timedelta(days=i, hours=2)) for i in range(3)]
    docs.append(article("https://www.bbc.example/english/1", "Economy report in English", "English text " * 60,
                        site="bbcarabic", language="en", published=NOW - timedelta(days=1)))
    with Store(db) as store:
        for offset, doc in enumerate(docs):
            ids[doc["url"]] = store.save_article(dict(doc), now=NOW - timedelta(days=offset % 26, minutes=offset))\
                .doc_id
        # The same wire story on both sites: the later copy is a near-duplicate of the first.
        wire = body(900, "وكالة")
        first = article("https://watan.example/news/wire", "خبر وكالة عن الانتخابات", wire, site="watan",
                        published=NOW - timedelta(hours=5))
        copy = article("https://www.bbc.example/arabic/wire", "خبر وكالة عن الانتخابات (نسخة)", wire + " إضافة",
                       site="bbcarabic", published=NOW - timedelta(hours=3))
        ids["wire"] = store.save_article(first, now=NOW - timedelta(hours=4)).doc_id
        ids["copy"] = store.save_article(copy, now=NOW - timedelta(hours=2)).doc_id
        # An article with read-also links, edited once after it was first stored.
        links = [{"url": "https://watan.example/news/3", "title": "الخبر الثالث"},
                 {"url": "https://watan.example/news/999", "title": "خبر لم يُجلب"}]
        edited = article("https://watan.example/news/edited", "وزير يعلن خطة جديدة", body(500), site="watan",
                         published=NOW - timedelta(hours=6), read_also=links)
        ids["edited"] = store.save_article(dict(edited), now=NOW - timedelta(hours=6)).doc_id
        store.save_article(article(edited["url"], "وزير يعلن خطة جديدة معدلة", body(500) + "\nفقرة مضافة بعد النشر.",
                                   site="watan", published=edited["published"], read_also=links),
                           now=NOW - timedelta(hours=1))
        for site, status, error in (("watan", "ok", None), ("watan", "failed", "HTTP 503 from watan.example"),
                                    ("bbcarabic", "ok", None)):
            run_id = new_run(store, site, "schedule")
            apply_update(store, {"_id": run_id, "set": {
                "requests": 12, "articles": {"new": 3, "updated": 1, "unchanged": 2, "duplicate": 0},
                "errors": {"http_503": 2} if error else {}, "error_count": 2 if error else 0, "fetched": 6}})
            finish_run(store, run_id, status, error)
            ids.setdefault("runs", []).append(run_id)
    return ids
