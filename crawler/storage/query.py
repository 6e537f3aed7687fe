"""Reading stored articles back: filters for ``rasd articles`` and the public JSON shape
shared by ``articles --format json``, ``article`` and ``export``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from crawler.arabic import normalise
from crawler.model import fields_with
from crawler.storage.store import Store
from crawler.urls import canonical_url

PUBLIC_FIELDS = fields_with("public")
_LIST_FIELDS = frozenset(fields_with("listed"))


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
    return out


def article_filter(
    site: str | None = None, since: datetime | None = None, until: datetime | None = None,
    search: str | None = None, sites: tuple[str, ...] = (), language: str | None = None,
    hide_duplicates: bool = False, seen_since: datetime | None = None,
) -> dict[str, Any]:
    """``sites`` (any of), ``language``, ``hide_duplicates`` and ``seen_since`` (first stored
    then or later) serve ``rasd serve`` and saved searches; ``site`` the CLI."""
    query: dict[str, Any] = {}
    chosen = [*([site] if site else []), *sites]
    if chosen:
        query["site"] = chosen[0] if len(chosen) == 1 else {"$in": chosen}
    if since or until:
        query["published"] = {k: v for k, v in (("$gte", since), ("$lt", until)) if v}
    if language:
        query["language"] = language
    if hide_duplicates:
        query["duplicate_of"] = None
    if seen_since:
        query["first_seen"] = {"$gte": seen_since}
    if search:
        pattern = re.escape(normalise(search))
        query["$or"] = [{"title_norm": {"$regex": pattern}}, {"body_norm": {"$regex": pattern}},
                        {"tags_norm": {"$regex": pattern}}]
    return query


_NEWEST_FIRST = [("published", -1), ("_id", -1)]


def find_articles(store: Store, limit: int = 0, offset: int = 0, **filters: Any) -> Iterator[dict[str, Any]]:
    cursor = store.articles.find(article_filter(**filters)).sort(_NEWEST_FIRST)
    if offset:
        cursor = cursor.skip(offset)
    if limit:
        cursor = cursor.limit(limit)
    return iter(cursor)


def count_articles(store: Store, **filters: Any) -> int:
    """How many stored articles match (all of them without filters)."""
    return store.articles.count_documents(article_filter(**filters))


def site_counts(store: Store, **filters: Any) -> dict[str, int]:
    """Matching articles per site, most first: the facets of a search."""
    rows = store.articles.aggregate([{"$match": article_filter(**filters)},
                                     {"$group": {"_id": "$site", "n": {"$sum": 1}}}])
    counts = {row["_id"]: row["n"] for row in rows if row["_id"]}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def cluster_members(store: Store, cluster_id: str) -> list[dict[str, Any]]:
    """Every stored copy of a story (near-duplicates share a cluster), earliest first."""
    fields = {"url": 1, "site": 1, "title": 1, "published": 1, "first_seen": 1, "duplicate_of": 1,
              "duplicate_similarity": 1}
    return list(store.articles.find({"cluster_id": cluster_id}, fields).sort([("published", 1), ("_id", 1)]))


def articles_per_day(store: Store, since: datetime, site: str | None = None) -> list[tuple[str, str, int]]:
    """(site, YYYY-MM-DD, articles first stored that UTC day), for the dashboard's charts."""
    query: dict[str, Any] = {"first_seen": {"$gte": since}, **({"site": site} if site else {})}
    counts: dict[tuple[str, str], int] = {}
    for doc in store.articles.find(query, {"site": 1, "first_seen": 1}):
        key = (doc.get("site") or "", iso(doc["first_seen"])[:10])
        counts[key] = counts.get(key, 0) + 1
    return [(s, d, n) for (s, d), n in sorted(counts.items())]


def newest_first_seen(store: Store) -> dict[str, datetime]:
    """When each site's newest article was first stored (the metrics' freshness gauge)."""
    rows = store.articles.aggregate([{"$group": {"_id": "$site", "last": {"$max": "$first_seen"}}}])
    return {row["_id"]: row["last"] for row in rows if row["_id"] and row["last"]}


def ping(store: Store) -> None:
    """One cheap read: raises when the database cannot be reached."""
    store.runs.find_one({}, {"_id": 1})


def get_article(store: Store, ref: str) -> dict[str, Any] | None:
    """By id, exact URL, or canonical form of the URL."""
    if not ref.startswith(("http://", "https://")):
        try:
            return store.articles.find_one({"_id": ObjectId(ref)})
        except InvalidId:
            return None
    known = store.known_articles(list(dict.fromkeys([ref, canonical_url(ref)])))
    return store.articles.find_one({"url": next(iter(known.values()))["url"]}) if known else None


def known_urls(store: Store, urls: list[str]) -> set[str]:
    """Which of these URLs are stored articles (read-also targets already crawled)."""
    return set(stored_urls(store, urls))


def stored_urls(store: Store, urls: list[str]) -> dict[str, str]:
    """The stored article's URL for each of these URLs that is known — another URL when it
    was reached under an alias (an AMP page, a short link)."""
    return {url: doc["url"] for url, doc in store.known_articles(urls).items()}
