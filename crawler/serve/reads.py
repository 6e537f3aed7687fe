"""Every store read of ``rasd serve``, in one place, over the Store API (issue 17), with
``crawler.ops.runs``, ``crawler.ops.health`` and ``crawler.storage.history`` for what they add.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from crawler.config import SiteConfig
from crawler.ops import runs
from crawler.ops.health import SiteHealth, all_health
from crawler.storage import query
from crawler.storage.history import Change, history
from crawler.storage.query import ArticlePage, ArticleQuery
from crawler.storage.spool import ARTICLE, RUN, Spool, pending, spool_dir
from crawler.storage.store import Store
from crawler.storage.watches import list_watches


def find_articles(store: Store, q: ArticleQuery) -> ArticlePage:
    """A page of matches: ranked with a snippet each when searched (``q.sort``)."""
    return store.find_articles(q)


def iter_articles(store: Store, q: ArticleQuery) -> Iterator[dict[str, Any]]:
    """Every match, for exports: searches go through the ranked query, listings stream."""
    if q.search:
        return iter(store.find_articles(replace(q, limit=0, offset=0)).items)
    return store.iter_articles(q)


def site_counts(store: Store, q: ArticleQuery) -> dict[str, int]:
    return shown_facets(store.site_counts(q))


def shown_facets(counts: dict[str, int]) -> dict[str, int]:
    """Counts per named site, most first (articles without a site are not a facet)."""
    return dict(sorted(((s, n) for s, n in counts.items() if s), key=lambda kv: (-kv[1], kv[0])))


def get_article(store: Store, ref: str) -> dict[str, Any] | None:
    return query.get_article(store, ref)


def known_articles(store: Store, urls: list[str]) -> dict[str, dict[str, Any]]:
    return store.known_articles(urls)


def article_versions(store: Store, article: dict[str, Any]) -> list[Change]:
    """The edits of an article with their diffs (the Store API gives the versions; the diff
    is ``crawler.storage.history``'s)."""
    return history(store, article)


def cluster_members(store: Store, cluster_id: str) -> list[dict[str, Any]]:
    return store.cluster_members(cluster_id)


def articles_per_day(store: Store, since: datetime, site: str | None = None) -> list[tuple[str, str, int]]:
    return store.articles_per_day(since, site)


def newest_first_seen(store: Store) -> dict[str, datetime]:
    return store.newest_first_seen()


def find_runs(store: Store, site: str | None = None, status: str | None = None, limit: int = 20,
              since: datetime | None = None) -> list[dict[str, Any]]:
    return runs.find_runs(store, site=site, status=status, limit=limit, since=since)


def run_counts(store: Store) -> dict[tuple[str, str], int]:
    return runs.run_counts(store)


def site_health(store: Store, sites: list[SiteConfig]) -> list[SiteHealth]:
    """Every site's verdict, exactly as ``rasd status`` gives it."""
    return all_health(store, sites)


def watches(store: Store) -> list[dict[str, Any]]:
    return list_watches(store)


def spool_backlog(db: str, spool: str | None) -> dict[str, int]:
    """Articles and run records waiting in the spool (a folder beside the store, no database read)."""
    waiting = pending(Spool(spool_dir(db, spool)).status())
    return {kind: waiting[kind] for kind in (ARTICLE, RUN)}


def ping(store: Store) -> None:
    store.ping()
