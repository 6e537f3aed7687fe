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
    search: str | None = None,
) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if site:
        query["site"] = site
    if since or until:
        query["published"] = {k: v for k, v in (("$gte", since), ("$lt", until)) if v}
    if search:
        pattern = re.escape(normalise(search))
        query["$or"] = [{"title_norm": {"$regex": pattern}}, {"body_norm": {"$regex": pattern}},
                        {"tags_norm": {"$regex": pattern}}]
    return query


def find_articles(store: Store, limit: int = 0, **filters: Any) -> Iterator[dict[str, Any]]:
    cursor = store.articles.find(article_filter(**filters)).sort([("published", -1), ("_id", -1)])
    if limit:
        cursor = cursor.limit(limit)
    return iter(cursor)


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
