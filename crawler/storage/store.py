"""The database: MongoDB through pymongo, or the embedded litemongo file store.

Everything above this module talks the pymongo API only, so the same code runs on a user's
laptop (embedded file, no server) and in production (MongoDB by URI).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pymongo
from bson.errors import BSONError
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError, WriteError

from crawler.dates import refines
from crawler.secrets import mask_secrets
from crawler.storage import neardup
from crawler.storage.paths import default_db_path

DB_NAME = "rasd"
_MONGO_SCHEMES = ("mongodb://", "mongodb+srv://")
_OUTAGE_ERRORS = (ConnectionFailure, sqlite3.Error, OSError)
# A path that can never work (a file where a folder must be): the user must fix it.
_CONFIG_OS_ERRORS = (NotADirectoryError, IsADirectoryError, FileExistsError)


# Transient document key: ``save_article`` pops it and treats it as ``drop_duplicates=True``.
DROP_DUPLICATES_KEY = "_drop_duplicates"


class StoreError(RuntimeError):
    """The database cannot be opened or used; the message never carries a password."""


class StoreUnavailable(StoreError):
    """The database is configured correctly but cannot be reached or written right now
    (server down, file locked or read-only): worth spooling and retrying, not stopping."""


# What a database operation raises when the database, not our code, is the problem: pymongo's
# errors, litemongo's raw SQLite errors (a locked file) and the OS's. Code that must outlive
# an outage (run records, the scheduler, the spider's incremental check) catches these.
DATABASE_ERRORS = (StoreError, PyMongoError, sqlite3.Error, OSError)


def is_outage(exc: BaseException) -> bool:
    """Whether a failed write may succeed later unchanged. Errors in the document itself
    (not encodable, rejected by a validator) never will, so they must not block a spool."""
    if isinstance(exc, BSONError | OverflowError):
        return False
    if isinstance(exc, WriteError) and not isinstance(exc, DuplicateKeyError):
        return False
    return isinstance(exc, PyMongoError | sqlite3.Error | OSError)


def resolve_db(uri: str | None = None) -> str:
    """Explicit value, else RASD_DB, else the default embedded file."""
    return uri or os.environ.get("RASD_DB") or str(default_db_path())


def is_mongo_uri(uri: str) -> bool:
    return uri.startswith(_MONGO_SCHEMES)


def embedded_write_check(uri: str, timeout: float = 0.2) -> str | None:
    """Why the embedded store cannot take a write right now (locked by another process,
    read-only), or None. Opening litemongo on a locked file waits SQLite's 5-second busy
    timeout on the crawl's only thread; this costs ``timeout`` instead, so a crawl can
    poll a locked store without stalling. Takes and drops the write lock, writes nothing."""
    if is_mongo_uri(uri):
        return None
    articles = Path(uri).expanduser() / DB_NAME / "articles"  # litemongo: <dir>/<db>/<collection>
    if not articles.exists():
        return None
    try:
        conn = sqlite3.connect(articles, timeout=timeout, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"{articles}: {exc}"
    return None


def utcnow() -> datetime:
    """Millisecond precision, because both MongoDB and litemongo store milliseconds and a
    round-tripped value must compare equal to the one we wrote."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


# A refetched article whose value of one of these changed becomes a new version.
VERSIONED_FIELDS = ("title", "body", "published", "modified")
# What the database keeps of an article's text and dates for each earlier version.
_VERSION_SNAPSHOT = (*VERSIONED_FIELDS, "fingerprint", "fetched_at", "version")
# Read by the spider to decide whether (and how) to refetch a known article.
_KNOWN_FIELDS = {"url": 1, "aliases": 1, "published": 1, "modified": 1, "first_seen": 1,
                 "last_seen": 1, "fetched_at": 1, "headers": 1, "version": 1,
                 "final_url": 1}
# Read from near-duplicate candidates.
_CANDIDATE_FIELDS = {"url": 1, "minhash": 1, "published": 1, "first_seen": 1, "duplicate_of": 1,
                     "cluster_id": 1}
MAX_CANDIDATES = 50
# Set when an article is first stored and kept through refetches.
_IDENTITY = ("_id", "url", "aliases", "first_seen", "duplicate_of", "cluster_id", "version",
             "duplicate_similarity")


@dataclass
class SaveResult:
    """``outcome`` is one of:

    new: a new article (possibly flagged ``duplicate_of`` an earlier copy);
    updated: a known article whose text, title or dates changed (a version was kept);
    unchanged: a known article, nothing changed;
    alias: same content as a stored article of the same site under another URL, recorded
    as that article's alias;
    duplicate: a near-duplicate not stored because the site sets ``drop_duplicates``.
    """

    outcome: str
    doc_id: Any
    duplicate_of: str | None = None
    changed: tuple[str, ...] = ()


@dataclass
class Match:
    """The stored article a new one duplicates."""

    url: str             # the matched article
    root: str            # canonical URL of the earliest copy
    cluster_id: str
    similarity: float
    earlier: bool        # whether the new article was published before the root


class Store:
    """Collections and the operations the crawler and the CLI need."""

    # Stores shared within this process (see ``shared``), by resolved URI; the lock because
    # the scheduler's jobs run in threads.
    _shared: ClassVar[dict[str, Store]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, uri: str | None = None) -> None:
        self.uri = resolve_db(uri)
        self.masked_uri = mask_secrets(self.uri)
        self._holders = 0  # users of a shared store; 0 for a private one
        try:
            if is_mongo_uri(self.uri):
                self.client: Any = pymongo.MongoClient(
                    self.uri, tz_aware=True, serverSelectionTimeoutMS=5000, appname="rasd"
                )
                self.client.admin.command("ping")
                self.db = self.client.get_default_database(default=DB_NAME)
            else:
                import litemongo

                path = Path(self.uri).expanduser()
                path.parent.mkdir(parents=True, exist_ok=True)
                self.client = litemongo.connect(str(path), tz_aware=True)
                self.db = self.client[DB_NAME]
            self.articles = self.db["articles"]
            self.runs = self.db["runs"]
            self.leases = self.db["leases"]
            self.site_health = self.db["site_health"]
            self.versions = self.db["article_versions"]
            self._ensure_indexes()
        except (PyMongoError, sqlite3.Error, OSError, ValueError) as exc:
            outage = isinstance(exc, _OUTAGE_ERRORS) and not isinstance(exc, _CONFIG_OS_ERRORS)
            kind = StoreUnavailable if outage else StoreError
            raise kind(f"cannot open database {self.masked_uri}: {mask_secrets(str(exc))}") from exc

    def _ensure_indexes(self) -> None:
        self.articles.create_index("url", unique=True)
        self.articles.create_index([("site", 1), ("published", -1)])
        self.articles.create_index([("published", -1)])
        self.articles.create_index("fingerprint")
        self.articles.create_index("aliases")
        self.articles.create_index("lsh")
        self.articles.create_index("cluster_id")
        self.versions.create_index([("article_id", 1), ("version", 1)], unique=True)
        self.runs.create_index([("site", 1), ("started", -1)])
        self.runs.create_index([("started", -1)])
        self.leases.create_index("site", unique=True)

    @classmethod
    def shared(cls, uri: str | None = None) -> Store:
        """This process's one open store for the database; ``close`` releases it.

        Why one: litemongo rebuilds a connection's query indexes from every stored document
        whenever another connection has written since its last query. The spider's look-ups,
        the store stage's writes and the run records of every crawl in a process therefore
        go through one connection; with one each, every look-up after a write read the whole
        store, and a crawl slowed down as its store grew (bench/RESULTS.md)."""
        key = resolve_db(uri)
        with cls._shared_lock:
            store = cls._shared.get(key)
            if store is None:
                # Opening writes (indexes): on a locked file that would stall the crawl for
                # SQLite's 5-second busy timeout; the check answers in a fraction of that.
                problem = embedded_write_check(key)
                if problem:
                    raise StoreUnavailable(f"cannot open database {mask_secrets(key)}: {problem}")
                store = cls._shared[key] = cls(key)
            store._holders += 1
            return store

    def discard(self) -> None:
        """Release a shared store that failed (database down): later ``shared`` calls open
        a new connection, while holders of this one keep it until they release it."""
        with self._shared_lock:
            if self._shared.get(self.uri) is self:
                del self._shared[self.uri]
        self.close()

    def close(self) -> None:
        with self._shared_lock:
            if self._holders > 1:
                self._holders -= 1
                return
            self._holders = 0
            if self._shared.get(self.uri) is self:
                del self._shared[self.uri]
        self.client.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing -------------------------------------------------------------------------

    def save_article(
        self, doc: dict[str, Any], now: datetime | None = None, drop_duplicates: bool = False
    ) -> SaveResult:
        """Insert a new article or refresh a known one — the single write entry point.

        A known URL (or alias) whose text, title or dates changed keeps its previous
        version in ``article_versions``. An unknown URL is checked against stored articles:
        the same content on the same site makes it an alias; the same or nearly the same
        content elsewhere (MinHash LSH) marks it ``duplicate_of`` the earliest copy, in the
        same cluster. Retries once on a unique-index race with another process, as MongoDB
        itself can raise DuplicateKeyError for concurrent upserts."""
        now = now or utcnow()
        # A transient flag carried in the document, so that an article spooled during an
        # outage keeps its site's setting when it is replayed (see crawler.storage.failover).
        if doc.pop(DROP_DUPLICATES_KEY, False):
            drop_duplicates = True
        try:
            return self._save_once(doc, now, drop_duplicates)
        except DuplicateKeyError:  # another process inserted the same URL meanwhile
            return self._save_once(doc, now, drop_duplicates)

    def _save_once(self, doc: dict[str, Any], now: datetime, drop_duplicates: bool) -> SaveResult:
        existing = self._find_by_url(doc["url"], doc.get("aliases") or ())
        if existing is not None:
            return self._refresh(existing, doc, now)
        return self._insert(doc, now, drop_duplicates)

    def _find_by_url(self, url: str, aliases: Any = ()) -> dict[str, Any] | None:
        # Separate indexed queries, not one $or: litemongo answers $or by reading every
        # stored document.
        urls = list(dict.fromkeys([url, *aliases]))
        return (self.articles.find_one({"url": url})
                or (self.articles.find_one({"url": {"$in": urls[1:]}}) if len(urls) > 1 else None)
                or self.articles.find_one({"aliases": {"$in": urls}}))

    def _refresh(self, existing: dict[str, Any], doc: dict[str, Any], now: datetime) -> SaveResult:
        new_aliases = [a for a in [doc["url"], *(doc.get("aliases") or ())]
                       if a != existing["url"] and a not in (existing.get("aliases") or ())]
        from_feed = {f for f, layer in (doc.get("extraction") or {}).items() if layer == "feed"}
        was_feed = {f for f, layer in (existing.get("extraction") or {}).items() if layer == "feed"}
        changed = tuple(
            f for f in VERSIONED_FIELDS
            # A field the refetch did not find is not a change, nor is a date only the feed or
            # sitemap gave (another discovery path may word it differently): edits are the page's.
            # Nor is the page's day when the feed had told the time of that day.
            if doc.get(f) is not None and f not in from_feed
            and _comparable(doc.get(f)) != _comparable(existing.get(f))
            and not (f in was_feed and isinstance(existing.get(f), datetime)
                     and refines(_comparable(doc[f]), _comparable(existing[f])))
        )
        # Whatever is not the article's identity is refreshed: validators for the next
        # conditional GET, read-also links, the fetch time.
        fields = {k: v for k, v in doc.items() if k not in _IDENTITY}
        if existing.get("duplicate_of"):
            fields.pop("lsh", None)  # a copy stays out of the LSH index (see find_near_duplicate)
        update: dict[str, Any] = {"$set": {"last_seen": now}}
        if new_aliases:
            update["$addToSet"] = {"aliases": {"$each": new_aliases}}
        if not changed:
            update["$set"].update({k: v for k, v in fields.items() if k not in VERSIONED_FIELDS})
            self.articles.update_one({"_id": existing["_id"]}, update)
            return SaveResult("unchanged", existing["_id"], existing.get("duplicate_of"))
        version = existing.get("version") or 1
        snapshot = {k: existing.get(k) for k in _VERSION_SNAPSHOT}
        snapshot["version"] = version
        try:
            self.versions.insert_one({
                "article_id": existing["_id"], "url": existing["url"], "version": version,
                "replaced": now, "changed": list(changed), "previous": snapshot,
            })
        except DuplicateKeyError:
            # Another process saved this version of the article first; its refresh wins.
            return SaveResult("unchanged", existing["_id"], existing.get("duplicate_of"))
        if "modified" not in changed:
            # The edit itself is the evidence of a modification the page did not date.
            fields["modified"] = doc.get("modified") or doc.get("fetched_at") or now
        update["$set"].update(fields)
        update["$inc"] = {"version": 1}
        self.articles.update_one({"_id": existing["_id"], "version": existing.get("version")}, update)
        return SaveResult("updated", existing["_id"], existing.get("duplicate_of"), changed)

    def _insert(self, doc: dict[str, Any], now: datetime, drop_duplicates: bool) -> SaveResult:
        same = self._same_content(doc)
        if same is not None:
            self.articles.update_one({"_id": same["_id"]}, {"$addToSet": {"aliases": doc["url"]},
                                                            "$set": {"last_seen": now}})
            return SaveResult("alias", same["_id"], same["url"])
        match = self.find_near_duplicate(doc)
        if match is not None and drop_duplicates:
            # Remember the URL so the next crawl does not fetch the dropped copy again.
            self.articles.update_one({"url": match.url}, {"$addToSet": {"aliases": doc["url"]}})
            return SaveResult("duplicate", None, match.root)
        new = {**doc, "first_seen": now, "last_seen": now, "version": 1,
               "duplicate_of": None, "cluster_id": uuid.uuid4().hex}
        if match is not None:
            new["cluster_id"] = match.cluster_id
            new["duplicate_similarity"] = round(match.similarity, 3)
            if match.earlier:
                # The new article is the earliest copy: every copy now points to it, and it
                # alone stands for the cluster in the LSH index.
                self.articles.update_many({"cluster_id": match.cluster_id},
                                          {"$set": {"duplicate_of": doc["url"]}, "$unset": {"lsh": ""}})
            else:
                new["duplicate_of"] = match.root
                new.pop("lsh", None)
        inserted = self.articles.insert_one(new).inserted_id
        return SaveResult("new", inserted, new["duplicate_of"])

    def _same_content(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        """A stored article of the same site with exactly this text (fingerprint)."""
        if not doc.get("fingerprint") or not doc.get("minhash"):
            return None  # too short to call two pages the same article
        return self.articles.find_one({"fingerprint": doc["fingerprint"], "site": doc.get("site")},
                                      {"url": 1})

    def find_near_duplicate(self, doc: dict[str, Any]) -> Match | None:
        """The most similar stored article sharing an LSH band with ``doc``, if it is at
        least :data:`crawler.storage.neardup.THRESHOLD` similar; one indexed query.

        Only the earliest copy of a cluster keeps its bands (``lsh``): a new article is
        compared with the copy everything in the cluster points to, and the cost of the check
        stays that of a few candidates however large a cluster grows. Sites publish hundreds
        of near-identical pages (daily gold prices, prayer times, wire stories on every
        site); with every copy indexed, each new one was read and compared with all of them
        (litemongo applies ``limit`` only after reading every match)."""
        if not doc.get("lsh") or not doc.get("minhash"):
            return None
        best, best_sim = None, 0.0
        query = {"lsh": {"$in": list(doc["lsh"])}, "url": {"$ne": doc["url"]}}
        for cand in self.articles.find(query, _CANDIDATE_FIELDS).limit(MAX_CANDIDATES):
            sim = neardup.similarity(doc["minhash"], cand.get("minhash") or b"")
            if sim > best_sim or (sim == best_sim and best is not None and _earlier(cand, best)):
                best, best_sim = cand, sim
        if best is None or best_sim < neardup.THRESHOLD:
            return None
        root_url = best.get("duplicate_of") or best["url"]
        root = best if root_url == best["url"] else (
            self.articles.find_one({"url": root_url}, _CANDIDATE_FIELDS) or best)
        return Match(url=best["url"], root=root_url, cluster_id=best.get("cluster_id") or uuid.uuid4().hex,
                     similarity=best_sim, earlier=_earlier(doc, root))

    # --- reading for the crawler -----------------------------------------------------------

    def known_articles(self, urls: list[str]) -> dict[str, dict[str, Any]]:
        """Stored articles for these URLs (by URL or alias), keyed by the URL asked for."""
        if not urls:
            return {}
        out: dict[str, dict[str, Any]] = {}
        for field in ("url", "aliases"):  # two indexed queries rather than a scanning $or
            for doc in self.articles.find({field: {"$in": urls}}, _KNOWN_FIELDS):
                for url in (doc["url"], *(doc.get("aliases") or ())):
                    out.setdefault(url, doc)
        return {u: out[u] for u in urls if u in out}

    def article_versions(self, article_id: Any) -> list[dict[str, Any]]:
        return list(self.versions.find({"article_id": article_id}).sort("version", 1))


def _comparable(value: Any) -> Any:
    """Datetimes compare by instant whether or not the store gave them back aware."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _when(doc: dict[str, Any]) -> datetime | None:
    value = doc.get("published") or doc.get("first_seen")
    return _comparable(value) if isinstance(value, datetime) else None


def _earlier(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether ``a`` was published strictly before ``b`` (unknown dates are never earlier)."""
    wa, wb = _when(a), _when(b)
    return wa is not None and wb is not None and wa < wb
