"""Copying a whole store into another: articles (with signatures, LSH bands, aliases and
clusters), versions, runs and site health — between an old litemongo store, the embedded
SQLite store and MongoDB.

Everything is copied under its own key (article URL and id, version number, run id, site),
and a key already at the destination is skipped: a second run copies nothing, and a run
killed at any point (each batch is one transaction) resumes where it stopped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.storage.query import ArticleQuery
from crawler.storage.store import DB_NAME, Store, StoreError, is_litemongo_store, is_mongo_uri, open_store

BATCH = 500


@dataclass
class Copied:
    articles: int = 0
    versions: int = 0
    runs: int = 0
    health: int = 0

    @property
    def nothing(self) -> bool:
        return not (self.articles or self.versions or self.runs or self.health)


class LitemongoSource:
    """An embedded store of Rasd before the SQLite store, read with litemongo (the optional
    ``migrate-litemongo`` extra). Read-only: the old store is never changed."""

    def __init__(self, path: str) -> None:
        try:
            import litemongo
        except ImportError as exc:
            raise StoreError(f"{path} is an old (litemongo) store; reading it needs litemongo: "
                             "pip install 'rasd[migrate-litemongo]'") from exc
        self.client = litemongo.connect(str(Path(path).expanduser()), tz_aware=True)
        self.db = self.client[DB_NAME]

    def count_articles(self, q: ArticleQuery) -> int:
        return self.db["articles"].count_documents({})

    def iter_articles(self) -> Iterator[dict[str, Any]]:
        return iter(self.db["articles"].find({}))

    def iter_versions(self) -> Iterator[dict[str, Any]]:
        for v in self.db["article_versions"].find({}):
            v.pop("_id", None)
            yield v

    def find_runs(self, limit: int = 0) -> list[dict[str, Any]]:
        return list(self.db["runs"].find({}))

    def iter_site_health(self) -> Iterator[dict[str, Any]]:
        return iter(self.db["site_health"].find({}))

    def close(self) -> None:
        self.client.close()


def open_source(uri: str) -> Store | LitemongoSource:
    """What to copy from: an old litemongo folder, or any store."""
    if not is_mongo_uri(uri):
        path = Path(uri).expanduser()
        if is_litemongo_store(path):
            return LitemongoSource(uri)
        if not path.is_file():
            raise StoreError(f"nothing to migrate: {uri} is neither a Rasd store nor a MongoDB URI")
    return open_store(uri)


def _batches(items: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    it = iter(items)
    while batch := list(itertools.islice(it, BATCH)):
        yield batch


def foreign_data(source: Store | LitemongoSource, dest: Store) -> int:
    """Articles at the destination that this source did not put there (0 when the
    destination is empty or holds an earlier, maybe interrupted, copy of this source)."""
    held = dest.count_articles(ArticleQuery())
    if not held:
        return 0
    first = next(iter(source.iter_articles()), None)
    return 0 if first is not None and dest.get_article(first["url"]) is not None else held


def copy_store(source: Store | LitemongoSource, dest: Store,
               progress: Callable[[int, int], None] = lambda done, total: None) -> Copied:
    """Copy everything missing at ``dest``; ``progress(articles seen, articles in source)``."""
    copied = Copied()
    total = source.count_articles(ArticleQuery())
    seen = 0
    for batch in _batches(source.iter_articles()):
        copied.articles += dest.import_articles(batch)
        seen += len(batch)
        progress(seen, total)
    for batch in _batches(source.iter_versions()):
        copied.versions += dest.import_versions(batch)
    for batch in _batches(source.find_runs(limit=0)):
        copied.runs += dest.import_runs(batch)
    for health in source.iter_site_health():
        site = health.pop("_id")
        if dest.get_site_health(site) is None:
            dest.set_site_health(site, health)
            copied.health += 1
    return copied
