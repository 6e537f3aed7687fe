"""Reading stored articles back: the query and page of the Store API, look-ups by the forms of
a URL, and the public JSON shape shared by ``articles --format json``, ``article`` and
``export``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from crawler.model import fields_with
from crawler.storage.store import Store
from crawler.urls import canonical_url

PUBLIC_FIELDS = fields_with("public")
_LIST_FIELDS = frozenset(fields_with("listed"))


@dataclass(frozen=True)
class ArticleQuery:
    """What ``rasd articles``, ``export`` and ``serve`` ask for. ``search`` is the user's
    syntax (see :func:`crawler.storage.analyzer.parse_search`); ``since``/``until`` bound the
    publication time (until excluded); ``sort`` "relevance" applies only to a search."""

    sites: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None
    language: str | None = None
    hide_duplicates: bool = False
    seen_since: datetime | None = None   # first stored then or later (saved searches)
    sort: Literal["relevance", "date"] = "relevance"
    limit: int = 50          # 0 = no limit
    offset: int = 0
    facets: bool = False     # also count the matches per site, ignoring ``sites`` (ArticlePage.facets)


@dataclass
class ArticlePage:
    """Stored documents, plus ``score``, ``snippet`` and ``highlights`` in each when searched
    (see :func:`crawler.storage.analyzer.highlights`); ``total``: how many match the query in
    all; ``facets``: matches per site when the query asked for them, from the same match set.

    A search matching a large share of a big store is answered from its newest matches
    (counting and ranking every one of a million takes seconds): then ``exact`` /
    ``facets_exact`` are False where a figure is an estimate (shown as "about N"), and
    ``ranked_among`` is how many of the newest matches were ranked by relevance."""

    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    facets: dict[str, int] | None = None
    exact: bool = True
    facets_exact: bool = True
    ranked_among: int | None = None


def iso(value: Any) -> Any:
    """Datetimes as ISO 8601 UTC with a Z; everything else unchanged."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value


def public(doc: dict[str, Any]) -> dict[str, Any]:
    out = {"id": str(doc["_id"])} if "_id" in doc else {}
    for key in PUBLIC_FIELDS:
        value = doc.get(key)
        out[key] = iso(value) if value is not None else ([] if key in _LIST_FIELDS else None)
    for key in ("score", "snippet"):
        if key in doc:
            out[key] = doc[key]
    return out


def get_article(store: Store, ref: str) -> dict[str, Any] | None:
    """By id, exact URL or alias, or the canonical form of the URL."""
    found = store.get_article(ref)
    if found is None and ref.startswith(("http://", "https://")):
        canonical = canonical_url(ref)
        if canonical != ref:
            found = store.get_article(canonical)
    return found


def known_urls(store: Store, urls: list[str]) -> set[str]:
    """Which of these URLs are stored articles (read-also targets already crawled)."""
    return set(stored_urls(store, urls))


def stored_urls(store: Store, urls: list[str]) -> dict[str, str]:
    """The stored article's URL for each of these URLs that is known — another URL when it
    was reached under an alias (an AMP page, a short link)."""
    return {url: doc["url"] for url, doc in store.known_articles(urls).items()}
