"""Helpers for the ``rasd serve`` tests: articles built as the pipelines build them (seeded
through the store's own save path, not by crawling, to keep the tests quick), and the real
app on a real port in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
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
