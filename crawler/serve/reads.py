"""Every store read of ``rasd serve``, in one place, named after the Store API (issue 17).

The web app calls only these functions. Today they run over ``crawler.storage.query``,
``crawler.ops.runs``, ``crawler.ops.health`` and ``crawler.storage.history``; when the Store
API lands, this module is what changes (``find_articles`` then ranks and gives snippets).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.config import SiteConfig
from crawler.ops import runs
from crawler.ops.health import SiteHealth, all_health
from crawler.storage import query
from crawler.storage.history import Change, history
from crawler.storage.spool import ARTICLE, RUN, Spool, pending, spool_dir
from crawler.storage.store import Store
from crawler.storage.watches import list_watches


@dataclass(frozen=True)
class ArticleQuery:
    """The Store API's article query. ``search`` is the user's raw search text."""

    sites: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None
    language: str | None = None
    hide_duplicates: bool = False
    sort: str = "date"  # "relevance" once the store ranks; today every result is newest first
    limit: int = 50
    offset: int = 0

    def filters(self) -> dict[str, Any]:
        return {"sites": self.sites, "since": self.since, "until": self.until, "search": self.search,
                "language": self.language, "hide_duplicates": self.hide_duplicates}


@dataclass
class ArticlePage:
    """One page of matches; an item may carry ``score`` and ``snippet`` (when the store gives them)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


def find_articles(store: Store, q: ArticleQuery) -> ArticlePage:
    items = list(query.find_articles(store, limit=q.limit, offset=q.offset, **q.filters()))
    return ArticlePage(items=items, total=query.count_articles(store, **q.filters()))


def iter_articles(store: Store, q: ArticleQuery) -> Iterator[dict[str, Any]]:
    return query.find_articles(store, limit=q.limit, offset=q.offset, **q.filters())


def site_counts(store: Store, q: ArticleQuery) -> dict[str, int]:
    return query.site_counts(store, **q.filters())


def get_article(store: Store, ref: str) -> dict[str, Any] | None:
    return query.get_article(store, ref)


def known_articles(store: Store, urls: list[str]) -> dict[str, dict[str, Any]]:
    return store.known_articles(urls)


def article_versions(store: Store, article: dict[str, Any]) -> list[Change]:
    """The edits of an article with their diffs (the Store API gives the versions; the diff
    is ``crawler.storage.history``'s)."""
    return history(store, article)


def cluster_members(store: Store, cluster_id: str) -> list[dict[str, Any]]:
    return query.cluster_members(store, cluster_id)


def articles_per_day(store: Store, since: datetime, site: str | None = None) -> list[tuple[str, str, int]]:
    return query.articles_per_day(store, since, site)


def newest_first_seen(store: Store) -> dict[str, datetime]:
    return query.newest_first_seen(store)


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
    query.ping(store)
