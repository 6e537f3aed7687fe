"""The MongoDB backend (pymongo): production, several machines on one database.

MongoDB has no multi-document transaction outside a replica set, so the save policy's
writes are each conditional instead (issue 14.4): a new article is inserted before any other
article of its cluster is touched (a URL another writer stored first fails there, with
nothing changed), ``last_seen`` only moves forward (``$max``), an alias is never an article's
own URL, and an edit applies only to the version it was computed from.

Search: MongoDB has no Arabic text analyzer, so each article carries the analyzer's terms
(``search.title``, ``search.body``) under a text index with ``default_language: "none"``
(no stemming or stop words of its own), title weighted above body, ranked by textScore.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pymongo
from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, ConnectionFailure, DuplicateKeyError, PyMongoError

from crawler.storage import analyzer
from crawler.storage.query import ArticlePage, ArticleQuery
from crawler.storage.store import (
    CONFIG_OS_ERRORS,
    DB_NAME,
    KNOWN_FIELDS,
    Change,
    DuplicateArticle,
    Store,
    StoreError,
    StoreUnavailable,
    is_outage,
    mask_secrets,
    utcnow,
)

_CANDIDATE_FIELDS = {"url": 1, "minhash": 1, "published": 1, "first_seen": 1, "duplicate_of": 1, "cluster_id": 1}
_NO_SEARCH = {"search": 0}
TITLE_WEIGHT = 5


def search_fields(doc: dict[str, Any]) -> dict[str, str]:
    """The analyzed terms MongoDB's text index holds for an article."""
    body = "\n".join([*(doc.get("tags") or ()), doc.get("body") or ""])
    return {"title": analyzer.index_text(doc.get("title") or ""), "body": analyzer.index_text(body)}


def text_search(search: analyzer.Search) -> str | None:
    """A ``$text`` search string: every term and phrase quoted (MongoDB ANDs phrases and
    ORs bare words), excluded terms negated."""
    if search.empty:
        return None
    parts = [f'"{t}"' for t in search.required] + ['"' + " ".join(p) + '"' for p in search.phrases]
    return " ".join([*parts, *(f"-{t}" for t in search.excluded)])


class MongoStore(Store):
    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        try:
            self.client: Any = pymongo.MongoClient(
                self.uri, tz_aware=True, serverSelectionTimeoutMS=5000, appname="rasd"
            )
            self.client.admin.command("ping")
            self.db = self.client.get_default_database(default=DB_NAME)
            self.articles = self.db["articles"]
            self.runs = self.db["runs"]
            self.leases = self.db["leases"]
            self.health = self.db["site_health"]
            self.versions = self.db["article_versions"]
            self._ensure_indexes()
        except (PyMongoError, OSError, ValueError) as exc:
            outage = isinstance(exc, ConnectionFailure | OSError) and not isinstance(exc, CONFIG_OS_ERRORS)
            kind = StoreUnavailable if outage else StoreError
            raise kind(f"cannot open database {self.masked_uri}: {mask_secrets(str(exc))}") from exc

    def _ensure_indexes(self) -> None:
        self.articles.create_index("url", unique=True)
        self.articles.create_index([("site", 1), ("published", -1)])
        self.articles.create_index([("published", -1)])
        self.articles.create_index([("site", 1), ("first_seen", -1)])
        self.articles.create_index("fingerprint")
        self.articles.create_index("aliases")
        self.articles.create_index("lsh")
        self.articles.create_index("cluster_id")
        self.articles.create_index([("search.title", "text"), ("search.body", "text")], name="search",
                                   default_language="none", language_override="search_language",
                                   weights={"search.title": TITLE_WEIGHT, "search.body": 1})
        self.versions.create_index([("article_id", 1), ("version", 1)], unique=True)
        self.runs.create_index([("site", 1), ("started", -1)])
        self.runs.create_index([("started", -1)])
        self.leases.create_index("site", unique=True)

    def drop(self) -> None:
        """Remove the whole database (tests)."""
        self.client.drop_database(self.db.name)

    def _close(self) -> None:
        self.client.close()

    def _atomic(self) -> contextlib.AbstractContextManager[Any]:
        return contextlib.nullcontext()

    # --- articles: primitives of the save policy ------------------------------------------------

    def _find_known(self, urls: list[str]) -> dict[str, Any] | None:
        # Separate indexed queries, the exact URL first.
        return (self.articles.find_one({"url": urls[0]}, _NO_SEARCH)
                or (self.articles.find_one({"url": {"$in": urls[1:]}}, _NO_SEARCH) if len(urls) > 1 else None)
                or self.articles.find_one({"aliases": {"$in": urls}}, _NO_SEARCH))

    def _by_fingerprint(self, fingerprint: str, site: str | None, exclude_url: str) -> dict[str, Any] | None:
        return self.articles.find_one({"fingerprint": fingerprint, "site": site, "url": {"$ne": exclude_url}},
                                      {"url": 1})

    def _band_candidates(self, bands: list[str], exclude_url: str, limit: int) -> list[dict[str, Any]]:
        query = {"lsh": {"$in": bands}, "url": {"$ne": exclude_url}}
        return list(self.articles.find(query, _CANDIDATE_FIELDS).limit(limit))

    def _candidate(self, url: str) -> dict[str, Any] | None:
        return self.articles.find_one({"url": url}, _CANDIDATE_FIELDS)

    def _insert_article(self, doc: dict[str, Any]) -> Any:
        try:
            return self.articles.insert_one({**doc, "search": search_fields(doc)}).inserted_id
        except DuplicateKeyError as exc:
            raise DuplicateArticle(doc["url"]) from exc

    def _insert_version(self, record: dict[str, Any]) -> bool:
        try:
            self.versions.insert_one(dict(record))
        except DuplicateKeyError:
            return False
        return True

    def _update_article(self, article_id: Any, change: Change, if_version: int | None = None) -> bool:
        selector: dict[str, Any] = {"_id": article_id}
        if if_version is not None:
            selector["version"] = if_version
        update: dict[str, Any] = {}
        fields = dict(change.set)
        if {"title", "body", "tags"} & fields.keys():
            current = self.articles.find_one({"_id": article_id}, {"title": 1, "body": 1, "tags": 1}) or {}
            fields["search"] = search_fields({**current, **fields})
        if fields:
            update["$set"] = fields
        if change.aliases:
            update["$addToSet"] = {"aliases": {"$each": change.aliases}}
            # never an article's own URL, whatever another writer did meanwhile
            selector["url"] = {"$nin": change.aliases}
        if change.seen is not None:
            update["$max"] = {"last_seen": change.seen}
        if change.next_version:
            update["$inc"] = {"version": 1}
        if change.drop_bands:
            update["$unset"] = {"lsh": ""}
        if not update:
            return True
        return self.articles.update_one(selector, update).matched_count == 1

    def _reroot(self, cluster_id: str, root_url: str) -> None:
        self.articles.update_many({"cluster_id": cluster_id, "url": {"$ne": root_url}},
                                  {"$set": {"duplicate_of": root_url}, "$unset": {"lsh": ""}})

    # --- articles: reading -----------------------------------------------------------------

    def known_articles(self, urls: list[str]) -> dict[str, dict[str, Any]]:
        if not urls:
            return {}
        out: dict[str, dict[str, Any]] = {}
        projection = dict.fromkeys(KNOWN_FIELDS, 1)
        for field in ("url", "aliases"):  # two indexed queries rather than a scanning $or
            for doc in self.articles.find({field: {"$in": urls}}, projection):
                for url in (doc["url"], *(doc.get("aliases") or ())):
                    out.setdefault(url, doc)
        return {u: out[u] for u in urls if u in out}

    def get_article(self, ref: str) -> dict[str, Any] | None:
        if ref.startswith(("http://", "https://")):
            return (self.articles.find_one({"url": ref}, _NO_SEARCH)
                    or self.articles.find_one({"aliases": ref}, _NO_SEARCH))
        try:
            return self.articles.find_one({"_id": ObjectId(ref.strip())}, _NO_SEARCH)
        except (InvalidId, TypeError):
            return None

    def article_versions(self, article_id: Any) -> list[dict[str, Any]]:
        return [_plain(v) for v in self.versions.find({"article_id": article_id}).sort("version", 1)]

    def iter_versions(self) -> Iterator[dict[str, Any]]:
        for v in self.versions.find({}).sort([("article_id", 1), ("version", 1)]):
            yield _plain(v)

    def cluster_members(self, cluster_id: str) -> list[dict[str, Any]]:
        docs = list(self.articles.find({"cluster_id": cluster_id}, _NO_SEARCH))
        return sorted(docs, key=lambda d: (d.get("published") or d.get("first_seen") or utcnow(), d["_id"]))

    @staticmethod
    def _filter(q: ArticleQuery) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if q.sites:
            query["site"] = q.sites[0] if len(q.sites) == 1 else {"$in": list(q.sites)}
        if q.since or q.until:
            query["published"] = {k: v for k, v in (("$gte", q.since), ("$lt", q.until)) if v}
        if q.language:
            query["language"] = q.language
        if q.hide_duplicates:
            query["duplicate_of"] = None
        if q.seen_since:
            query["first_seen"] = {"$gte": q.seen_since}
        return query

    def _query(self, q: ArticleQuery) -> tuple[dict[str, Any], analyzer.Search | None] | None:
        query = self._filter(q)
        parsed = analyzer.parse_search(q.search) if q.search else None
        if parsed is not None:
            text = text_search(parsed)
            if text is None:
                return None
            query["$text"] = {"$search": text}
        return query, parsed

    def find_articles(self, q: ArticleQuery) -> ArticlePage:
        built = self._query(q)
        if built is None:
            return ArticlePage([], 0, {} if q.facets else None)
        query, parsed = built
        projection: dict[str, Any] = {"search": 0, "minhash": 0, "lsh": 0}
        if parsed is not None:
            projection = {"score": {"$meta": "textScore"}, **projection}
        cursor = self.articles.find(query, projection)
        if parsed is not None and q.sort == "relevance":
            cursor = cursor.sort([("score", {"$meta": "textScore"})])
        else:
            cursor = cursor.sort([("published", -1), ("_id", -1)])
        if q.offset:
            cursor = cursor.skip(q.offset)
        if q.limit:
            cursor = cursor.limit(q.limit)
        items = list(cursor)
        for doc in items:
            if parsed is not None:
                doc["score"] = round(doc.get("score") or 0.0, 3)
                analyzer.highlights(doc, parsed)
        # Facets ignore the site filter, so they are their own aggregation here (the text
        # index makes each of these a lookup of the matching documents, not a scan).
        facets = self.site_counts(replace(q, sites=())) if q.facets else None
        return ArticlePage(items, self.articles.count_documents(query), facets)

    def count_articles(self, q: ArticleQuery) -> int:
        built = self._query(q)
        return 0 if built is None else self.articles.count_documents(built[0])

    def site_counts(self, q: ArticleQuery) -> dict[str, int]:
        built = self._query(q)
        if built is None:
            return {}
        rows = self.articles.aggregate([{"$match": built[0]}, {"$group": {"_id": "$site", "n": {"$sum": 1}}},
                                        {"$sort": {"n": -1}}])
        return {r["_id"]: r["n"] for r in rows}

    def iter_articles(self, q: ArticleQuery | None = None) -> Iterator[dict[str, Any]]:
        return iter(self.articles.find(self._filter(q or ArticleQuery()), _NO_SEARCH).sort("_id", 1))

    def articles_per_day(self, since: datetime, site: str | None = None) -> list[tuple[str, str, int]]:
        match: dict[str, Any] = {"first_seen": {"$gte": since}}
        if site:
            match["site"] = site
        rows = self.articles.aggregate([
            {"$match": match},
            {"$group": {"_id": {"site": "$site", "day": {"$dateToString": {"format": "%Y-%m-%d",
                                                                            "date": "$first_seen"}}},
                        "n": {"$sum": 1}}},
            {"$sort": {"_id.site": 1, "_id.day": 1}},
        ])
        return [(r["_id"].get("site") or "", r["_id"]["day"], r["n"]) for r in rows]

    def newest_first_seen(self) -> dict[str, datetime]:
        rows = self.articles.aggregate([{"$group": {"_id": "$site", "last": {"$max": "$first_seen"}}}])
        return {row["_id"]: row["last"] for row in rows if row["_id"] and row["last"]}

    def site_activity(self, site: str, since: datetime) -> tuple[int, datetime | None]:
        recent = self.articles.count_documents({"site": site, "first_seen": {"$gte": since}})
        newest = self.articles.find_one({"site": site}, {"first_seen": 1}, sort=[("first_seen", -1)])
        return recent, newest.get("first_seen") if newest else None

    def band_matches(self, bands: list[str]) -> int:
        return self.articles.count_documents({"lsh": {"$in": bands}})

    def index_keys(self) -> set[tuple[str, ...]]:
        return {tuple(k for k, _ in v["key"]) for v in self.articles.index_information().values()}

    # --- bulk copies ----------------------------------------------------------------------

    @staticmethod
    def _insert_many(collection: Any, docs: list[dict[str, Any]]) -> int:
        if not docs:
            return 0
        try:
            return len(collection.insert_many(docs, ordered=False).inserted_ids)
        except BulkWriteError as exc:  # already there (same id or URL): skipped
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise
            return exc.details.get("nInserted", 0)

    def import_articles(self, docs: Iterable[dict[str, Any]]) -> int:
        return self._insert_many(self.articles, [{**d, "search": search_fields(d)} for d in docs])

    def import_versions(self, records: Iterable[dict[str, Any]]) -> int:
        return self._insert_many(self.versions, list(records))

    def import_runs(self, runs: Iterable[dict[str, Any]]) -> int:
        return self._insert_many(self.runs, list(runs))

    def iter_site_health(self) -> Iterator[dict[str, Any]]:
        return iter(self.health.find({}).sort("_id", 1))

    # --- runs -----------------------------------------------------------------------------

    def insert_run(self, doc: dict[str, Any]) -> None:
        self.runs.insert_one(dict(doc))

    def apply_run_update(self, update: dict[str, Any]) -> dict[str, Any]:
        change = {op: update[key] for op, key in (("$set", "set"), ("$setOnInsert", "on_insert"))
                  if update.get(key)}
        record: dict[str, Any] | None = self.runs.find_one_and_update(
            {"_id": update["_id"]}, change, upsert=True, return_document=ReturnDocument.AFTER)
        assert record is not None, "an upsert returning the document after it always has one"
        return record

    def get_run(self, run_id: Any) -> dict[str, Any] | None:
        return self.runs.find_one({"_id": run_id})

    def latest_run(self, site: str) -> dict[str, Any] | None:
        return self.runs.find_one({"site": site}, sort=[("started", -1)])

    def find_runs(self, site: str | None = None, status: str | None = None, limit: int = 20,
                  trigger: str | None = None, since: datetime | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {k: v for k, v in (("site", site), ("status", status), ("trigger", trigger)) if v}
        if since:
            query["started"] = {"$gte": since}
        cursor = self.runs.find(query).sort("started", -1)
        return list(cursor.limit(limit) if limit else cursor)

    def run_counts(self) -> dict[tuple[str, str], int]:
        rows = self.runs.aggregate([{"$group": {"_id": {"site": "$site", "status": "$status"}, "n": {"$sum": 1}}}])
        return {(row["_id"].get("site") or "", row["_id"].get("status") or ""): row["n"] for row in rows}

    # --- saved searches -------------------------------------------------------------------

    def save_watch(self, doc: dict[str, Any]) -> None:
        self.db["watches"].replace_one({"_id": doc["_id"]}, doc, upsert=True)

    def list_watches(self) -> list[dict[str, Any]]:
        return list(self.db["watches"].find({}).sort("_id", 1))

    def remove_watch(self, name: str) -> bool:
        return self.db["watches"].delete_one({"_id": name}).deleted_count == 1

    def update_watch(self, name: str, fields: dict[str, Any]) -> None:
        self.db["watches"].update_one({"_id": name}, {"$set": fields})

    def ping(self) -> None:
        self.runs.find_one({}, {"_id": 1})

    # --- leases ---------------------------------------------------------------------------

    def acquire_lease(self, site: str, token: str, owner: str, ttl: float) -> str | None:
        """One insert under a unique index on ``site`` (the loser gets DuplicateKeyError);
        an expired lease is deleted by its own id and expiry, never a fresh one."""
        for _ in range(3):
            now = utcnow()
            try:
                self.leases.insert_one({"_id": token, "site": site, "owner": owner, "acquired": now,
                                        "expires": now + timedelta(seconds=ttl)})
                return None
            except DuplicateKeyError:
                held = self.leases.find_one({"site": site})
                if held is None:
                    continue  # released between our insert and our look
                if held["expires"] > now:
                    return held.get("owner") or "?"
                self.leases.delete_one({"_id": held["_id"], "expires": held["expires"]})
        return "?"

    def renew_lease(self, token: str, ttl: float) -> bool:
        result = self.leases.update_one({"_id": token}, {"$set": {"expires": utcnow() + timedelta(seconds=ttl)}})
        return result.matched_count == 1

    def release_lease(self, token: str) -> None:
        self.leases.delete_one({"_id": token})

    def lease_holder(self, site: str) -> str | None:
        held = self.leases.find_one({"site": site, "expires": {"$gt": utcnow()}}, {"owner": 1})
        return (held.get("owner") or "?") if held else None

    # --- site health ----------------------------------------------------------------------

    def get_site_health(self, site: str) -> dict[str, Any] | None:
        return self.health.find_one({"_id": site})

    def set_site_health(self, site: str, fields: dict[str, Any]) -> None:
        self.health.update_one({"_id": site}, {"$set": fields}, upsert=True)


def _translated(method: Callable[..., Any]) -> Callable[..., Any]:
    """pymongo's errors as the store's own: callers catch ``DATABASE_ERRORS`` without
    importing the driver; an outage (server down, a write race) is StoreUnavailable, a
    document the server refuses is StoreError."""

    @functools.wraps(method)
    def call(self: MongoStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except PyMongoError as exc:
            kind = StoreUnavailable if is_outage(exc) else StoreError
            raise kind(f"{self.masked_uri}: {mask_secrets(str(exc))}") from exc

    return call


for _name, _value in list(vars(MongoStore).items()):
    if callable(_value) and not isinstance(_value, staticmethod) and not _name.startswith("__"):
        setattr(MongoStore, _name, _translated(_value))


def _plain(doc: dict[str, Any]) -> dict[str, Any]:
    doc.pop("_id", None)
    return doc
