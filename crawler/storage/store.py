"""The Store API: what Rasd does with its data, whatever holds it.

Two backends implement it — MongoDB through pymongo (``crawler.storage.mongo``) and an
embedded SQLite file (``crawler.storage.sqlite``) — and nothing outside ``crawler.storage``
touches a collection, a cursor or SQL. The duplicate and versioning policy of
:meth:`Store.save_article` is written here once; the backends supply the primitives under it
(look-ups by URL, fingerprint and LSH band, conditional updates) and make one save atomic.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bson.errors import BSONError

from crawler.dates import refines
from crawler.secrets import mask_secrets
from crawler.storage import neardup
from crawler.storage.paths import (  # noqa: F401 - part of this module's interface
    DB_NAME,
    default_db_path,
    is_litemongo_store,
    legacy_db_path,
    require_db,
)

if TYPE_CHECKING:
    from crawler.storage.query import ArticlePage, ArticleQuery
    from crawler.storage.shared import SharedStore

_MONGO_SCHEMES = ("mongodb://", "mongodb+srv://")
# A path that can never work (a file where a folder must be): the user must fix it.
CONFIG_OS_ERRORS = (NotADirectoryError, IsADirectoryError, FileExistsError)


# Transient document key: ``save_article`` pops it and treats it as ``drop_duplicates=True``.
DROP_DUPLICATES_KEY = "_drop_duplicates"


class StoreError(RuntimeError):
    """The database cannot be opened or used; the message never carries a password."""


class StoreUnavailable(StoreError):
    """The database is configured correctly but cannot be reached or written right now
    (server down, file locked or read-only, deleted under a running crawl): worth spooling
    and retrying, not stopping."""


class DuplicateArticle(StoreError):
    """Another writer stored an article under this URL first (on either backend)."""

    def __init__(self, url: str) -> None:
        super().__init__(f"an article with URL {url} is already stored")


# What a database operation raises when the database, not our code, is the problem: the
# store's own errors (the MongoDB backend turns pymongo's into these), SQLite's (a locked or
# read-only file) and the OS's. Code that must outlive an outage (run records, the scheduler,
# the spider's incremental check) catches these.
DATABASE_ERRORS = (StoreError, sqlite3.Error, OSError)


def is_outage(exc: BaseException) -> bool:
    """Whether a failed write may succeed later unchanged. Errors in the document itself
    (not encodable, rejected by a validator) never will, so they must not block a spool.
    pymongo's own errors are judged when pymongo is loaded (a process that never opened
    MongoDB cannot have them, and need not import the driver)."""
    if isinstance(exc, BSONError | OverflowError):
        return False
    if isinstance(exc, StoreUnavailable | DuplicateArticle | sqlite3.Error | OSError):
        return True
    errors = sys.modules.get("pymongo.errors")
    if errors is None or not isinstance(exc, errors.PyMongoError):
        return False
    return not isinstance(exc, errors.WriteError) or isinstance(exc, errors.DuplicateKeyError)


def is_mongo_uri(uri: str) -> bool:
    return uri.startswith(_MONGO_SCHEMES)


def embedded_write_check(uri: str, timeout: float = 0.2) -> str | None:
    """Why the embedded store cannot take a write right now (locked by another process,
    read-only), or None. A write on a locked file waits the store's busy timeout on the
    crawl's only thread; this costs ``timeout`` instead, so a crawl can poll a locked store
    without stalling. Takes and drops the write lock, writes nothing."""
    if is_mongo_uri(uri):
        return None
    path = Path(uri).expanduser()
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"{path}: {exc}"
    return None


def utcnow() -> datetime:
    """Millisecond precision, because both backends store milliseconds and a round-tripped
    value must compare equal to the one we wrote."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)



def as_utc(value: Any) -> Any:
    """Datetimes compare by instant whether or not they came back aware."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# A refetched article whose value of one of these changed becomes a new version.
VERSIONED_FIELDS = ("title", "body", "published", "modified")
# What the database keeps of an article's text and dates for each earlier version.
_VERSION_SNAPSHOT = (*VERSIONED_FIELDS, "fingerprint", "fetched_at", "version")
# Read by the spider to decide whether (and how) to refetch a known article.
KNOWN_FIELDS = ("_id", "url", "aliases", "published", "modified", "first_seen", "last_seen", "fetched_at",
                "headers", "version", "final_url")
MAX_CANDIDATES = 50
# Set when an article is first stored and kept through refetches.
_IDENTITY = ("_id", "url", "aliases", "first_seen", "last_seen", "duplicate_of", "cluster_id", "version",
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

    id: Any              # the matched article's
    url: str             # the matched article
    root: str            # canonical URL of the earliest copy
    cluster_id: str
    similarity: float
    earlier: bool        # whether the new article was published before the root


@dataclass
class Change:
    """One update of a stored article, in terms both backends apply as one conditional write."""

    set: dict[str, Any] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)   # added once each
    seen: datetime | None = None                       # last_seen, never moved back
    next_version: bool = False                         # version + 1
    drop_bands: bool = False                           # leaves the LSH index (a copy in a cluster)


class Store(ABC):
    """The operations Rasd needs on its data. ``Store(uri)`` opens the backend the URI names
    (as :func:`open_store` does); a store is a context manager."""

    uri: str
    masked_uri: str
    _holders: int
    _shared_by: SharedStore | None

    def __new__(cls, uri: str) -> Store:
        return super().__new__(_backend(uri) if cls is Store else cls)

    def __init__(self, uri: str) -> None:
        self.uri = require_db(uri)
        self.masked_uri = mask_secrets(self.uri)
        self._holders = 0  # holds on a shared store (crawler.storage.shared); 0 for a private one
        self._shared_by = None

    def discard(self) -> None:
        """Release a shared store that failed (database down): later holds on its
        :class:`~crawler.storage.shared.SharedStore` open a new connection, while holders of
        this one keep it until they release it."""
        if self._shared_by is not None:
            self._shared_by.forget(self)
        self.close()

    def close(self) -> None:
        """Close the connection, or release one hold on a shared store (the last closes it)."""
        if self._shared_by is not None and not self._shared_by.release(self):
            return
        self._close()

    def vanished(self) -> bool:
        """Whether the store's file was deleted under this process (embedded store only)."""
        return False

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- articles: writing (the policy, shared by both backends) ----------------------------

    def save_article(
        self, doc: dict[str, Any], now: datetime | None = None, drop_duplicates: bool = False
    ) -> SaveResult:
        """Insert a new article or refresh a known one — the single write entry point.

        A known URL (or alias) whose text, title or dates changed keeps its previous
        version. An unknown URL is checked against stored articles: the same content on the
        same site makes it an alias; the same or nearly the same content elsewhere (MinHash
        LSH) marks it ``duplicate_of`` the earliest copy, in the same cluster. The backend
        makes this one atomic step (``_atomic``) or, where it cannot (MongoDB), every write
        conditional so that a concurrent writer's work is never undone; a URL inserted by
        another writer meanwhile is retried once as a refresh."""
        now = as_utc(now) or utcnow()
        # A transient flag carried in the document, so that an article spooled during an
        # outage keeps its site's setting when it is replayed (see crawler.storage.failover).
        if doc.pop(DROP_DUPLICATES_KEY, False):
            drop_duplicates = True
        try:
            with self._atomic():
                return self._save_once(doc, now, drop_duplicates)
        except DuplicateArticle:  # another process inserted the same URL meanwhile
            with self._atomic():
                return self._save_once(doc, now, drop_duplicates)

    def _save_once(self, doc: dict[str, Any], now: datetime, drop_duplicates: bool) -> SaveResult:
        existing = self._find_known([doc["url"], *(doc.get("aliases") or ())])
        if existing is not None:
            return self._refresh(existing, doc, now)
        return self._insert(doc, now, drop_duplicates)

    def _refresh(self, existing: dict[str, Any], doc: dict[str, Any], now: datetime) -> SaveResult:
        new_aliases = [a for a in dict.fromkeys([doc["url"], *(doc.get("aliases") or ())])
                       if a != existing["url"] and a not in (existing.get("aliases") or ())]
        from_feed = {f for f, layer in (doc.get("extraction") or {}).items() if layer == "feed"}
        was_feed = {f for f, layer in (existing.get("extraction") or {}).items() if layer == "feed"}
        changed = tuple(
            f for f in VERSIONED_FIELDS
            # A field the refetch did not find is not a change, nor is a date only the feed or
            # sitemap gave (another discovery path may word it differently): edits are the page's.
            # Nor is the page's day when the feed had told the time of that day.
            if doc.get(f) is not None and f not in from_feed
            and as_utc(doc.get(f)) != as_utc(existing.get(f))
            and not (f in was_feed and isinstance(existing.get(f), datetime)
                     and refines(as_utc(doc[f]), as_utc(existing[f])))
        )
        # Whatever is not the article's identity is refreshed: validators for the next
        # conditional GET, read-also links, the fetch time.
        fields = {k: v for k, v in doc.items() if k not in _IDENTITY}
        if existing.get("duplicate_of"):
            fields.pop("lsh", None)  # a copy stays out of the LSH index (see find_near_duplicate)
        change = Change(aliases=new_aliases, seen=now)
        if not changed:
            change.set = {k: v for k, v in fields.items() if k not in VERSIONED_FIELDS}
            self._update_article(existing["_id"], change)
            return SaveResult("unchanged", existing["_id"], existing.get("duplicate_of"))
        version = existing.get("version") or 1
        snapshot = {k: existing.get(k) for k in _VERSION_SNAPSHOT}
        snapshot["version"] = version
        if not self._insert_version({"article_id": existing["_id"], "url": existing["url"], "version": version,
                                     "replaced": now, "changed": list(changed), "previous": snapshot}):
            # Another process saved this version of the article first; its refresh wins.
            return SaveResult("unchanged", existing["_id"], existing.get("duplicate_of"))
        if "modified" not in changed:
            # The edit itself is the evidence of a modification the page did not date.
            fields["modified"] = doc.get("modified") or doc.get("fetched_at") or now
        change.set = fields
        change.next_version = True
        self._update_article(existing["_id"], change, if_version=existing.get("version"))
        return SaveResult("updated", existing["_id"], existing.get("duplicate_of"), changed)

    def _insert(self, doc: dict[str, Any], now: datetime, drop_duplicates: bool) -> SaveResult:
        same = self._same_content(doc)
        if same is not None:
            self._update_article(same["_id"], Change(aliases=[doc["url"]], seen=now))
            return SaveResult("alias", same["_id"], same["url"])
        match = self.find_near_duplicate(doc)
        if match is not None and drop_duplicates:
            # Remember the URL so the next crawl does not fetch the dropped copy again.
            self._update_article(match.id, Change(aliases=[doc["url"]]))
            return SaveResult("duplicate", None, match.root)
        new = {**doc, "first_seen": now, "last_seen": now, "version": 1,
               "duplicate_of": None, "cluster_id": uuid.uuid4().hex}
        new.pop("_id", None)
        if match is not None:
            new["cluster_id"] = match.cluster_id
            new["duplicate_similarity"] = round(match.similarity, 3)
            if not match.earlier:
                new["duplicate_of"] = match.root
                new.pop("lsh", None)
        # Inserted before any other article is touched: when another writer stored this URL
        # meanwhile, the insert fails and nothing else has changed (issue 14.4).
        inserted = self._insert_article(new)
        if match is not None and match.earlier:
            # The new article is the earliest copy: every other copy now points to it, and it
            # alone stands for the cluster in the LSH index.
            self._reroot(match.cluster_id, doc["url"])
        return SaveResult("new", inserted, new["duplicate_of"])

    def _same_content(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        """Another stored article of the same site with exactly this text (fingerprint)."""
        if not doc.get("fingerprint") or not doc.get("minhash"):
            return None  # too short to call two pages the same article
        return self._by_fingerprint(doc["fingerprint"], doc.get("site"), exclude_url=doc["url"])

    def find_near_duplicate(self, doc: dict[str, Any]) -> Match | None:
        """The most similar stored article sharing an LSH band with ``doc``, if it is at
        least :data:`crawler.storage.neardup.THRESHOLD` similar; one indexed query.

        Only the earliest copy of a cluster keeps its bands (``lsh``): a new article is
        compared with the copy everything in the cluster points to, and the cost of the check
        stays that of a few candidates however large a cluster grows. Sites publish hundreds
        of near-identical pages (daily gold prices, prayer times, wire stories on every
        site); with every copy indexed, each new one would be compared with all of them."""
        if not doc.get("lsh") or not doc.get("minhash"):
            return None
        best, best_sim = None, 0.0
        for cand in self._band_candidates(list(doc["lsh"]), doc["url"], MAX_CANDIDATES):
            sim = neardup.similarity(doc["minhash"], cand.get("minhash") or b"")
            if sim > best_sim or (sim == best_sim and best is not None and _earlier(cand, best)):
                best, best_sim = cand, sim
        if best is None or best_sim < neardup.THRESHOLD:
            return None
        root_url = best.get("duplicate_of") or best["url"]
        root = best if root_url == best["url"] else (self._candidate(root_url) or best)
        return Match(id=best["_id"], url=best["url"], root=root_url,
                     cluster_id=best.get("cluster_id") or uuid.uuid4().hex,
                     similarity=best_sim, earlier=_earlier(doc, root))

    # --- articles: backend primitives ------------------------------------------------------

    @abstractmethod
    def _atomic(self) -> contextlib.AbstractContextManager[Any]:
        """One save as a unit: a write transaction where the backend has one."""

    @abstractmethod
    def _find_known(self, urls: list[str]) -> dict[str, Any] | None:
        """The stored article whose URL or alias is one of ``urls`` (the first URL first)."""

    @abstractmethod
    def _by_fingerprint(self, fingerprint: str, site: str | None, exclude_url: str) -> dict[str, Any] | None:
        """An article with this fingerprint on this site (``_id`` and ``url``)."""

    @abstractmethod
    def _band_candidates(self, bands: list[str], exclude_url: str, limit: int) -> list[dict[str, Any]]:
        """Articles holding any of these LSH bands: ``_id``, url, minhash, published,
        first_seen, duplicate_of, cluster_id."""

    @abstractmethod
    def _candidate(self, url: str) -> dict[str, Any] | None:
        """The same fields as ``_band_candidates`` for one URL."""

    @abstractmethod
    def _insert_article(self, doc: dict[str, Any]) -> Any:
        """Insert a new article, return its id; DuplicateArticle when its URL is stored."""

    @abstractmethod
    def _insert_version(self, record: dict[str, Any]) -> bool:
        """Keep a replaced version; False when that version of the article is already kept."""

    @abstractmethod
    def _update_article(self, article_id: Any, change: Change, if_version: int | None = None) -> bool:
        """Apply ``change``; with ``if_version``, only while the article is at that version."""

    @abstractmethod
    def _reroot(self, cluster_id: str, root_url: str) -> None:
        """Every other article of the cluster becomes a copy of ``root_url``, out of the LSH index."""

    # --- articles: reading ------------------------------------------------------------------

    @abstractmethod
    def known_articles(self, urls: list[str]) -> dict[str, dict[str, Any]]:
        """Stored articles for these URLs (by URL or alias), keyed by the URL asked for, with
        the fields the spider's incremental check reads (:data:`KNOWN_FIELDS`)."""

    @abstractmethod
    def get_article(self, ref: str) -> dict[str, Any] | None:
        """One whole article by id, URL or alias (see ``query.get_article`` for canonical forms)."""

    @abstractmethod
    def article_versions(self, article_id: Any) -> list[dict[str, Any]]:
        """Replaced versions of an article, oldest first."""

    @abstractmethod
    def cluster_members(self, cluster_id: str) -> list[dict[str, Any]]:
        """Every article of a duplicate cluster, earliest first."""

    @abstractmethod
    def find_articles(self, q: ArticleQuery) -> ArticlePage:
        """One page of articles: by relevance (with ``score``, ``snippet`` and ``highlights``,
        see :func:`crawler.storage.analyzer.highlights`) when searched, else newest first;
        with ``q.facets``, the matches per site too (ignoring ``q.sites``), from the same
        match where the backend can (see :class:`crawler.storage.query.ArticlePage`)."""

    @abstractmethod
    def count_articles(self, q: ArticleQuery) -> int: ...

    @abstractmethod
    def site_counts(self, q: ArticleQuery) -> dict[str, int]:
        """Articles matching ``q`` per site (facets)."""

    @abstractmethod
    def iter_articles(self, q: ArticleQuery | None = None) -> Iterator[dict[str, Any]]:
        """Whole documents (signatures and LSH bands included) in storage order, streamed
        (export, migrate); ``q`` filters by site and dates."""

    @abstractmethod
    def articles_per_day(self, since: datetime, site: str | None = None) -> list[tuple[str, str, int]]:
        """(site, "YYYY-MM-DD", articles first stored that UTC day) from ``since`` on."""

    @abstractmethod
    def newest_first_seen(self) -> dict[str, datetime]:
        """When each site's newest article was first stored."""

    @abstractmethod
    def site_activity(self, site: str, since: datetime) -> tuple[int, datetime | None]:
        """Articles of a site first seen since ``since``, and when its newest was first seen."""

    @abstractmethod
    def band_matches(self, bands: list[str]) -> int:
        """How many articles hold any of these LSH bands (near-duplicate check cost)."""

    @abstractmethod
    def index_keys(self) -> set[tuple[str, ...]]:
        """The fields each index of the articles covers."""

    # --- bulk copies (migrate, bench) ------------------------------------------------------

    @abstractmethod
    def import_articles(self, docs: Iterable[dict[str, Any]]) -> int:
        """Store whole documents as they are (ids, signatures, clusters), skipping URLs already
        stored; returns how many were new. One transaction per call."""

    @abstractmethod
    def import_versions(self, records: Iterable[dict[str, Any]]) -> int: ...

    @abstractmethod
    def iter_versions(self) -> Iterator[dict[str, Any]]: ...

    @abstractmethod
    def import_runs(self, runs: Iterable[dict[str, Any]]) -> int: ...

    @abstractmethod
    def iter_site_health(self) -> Iterator[dict[str, Any]]: ...

    # --- runs -----------------------------------------------------------------------------

    @abstractmethod
    def insert_run(self, doc: dict[str, Any]) -> None:
        """A new record (an ``_id`` is given when it has none)."""

    @abstractmethod
    def apply_run_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Upsert of a run record from ``{"_id", "set", "on_insert"}`` (``on_insert`` only
        when the record is created); returns the record after it. Idempotent."""

    @abstractmethod
    def get_run(self, run_id: Any) -> dict[str, Any] | None: ...

    @abstractmethod
    def latest_run(self, site: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def find_runs(self, site: str | None = None, status: str | None = None, limit: int = 20,
                  trigger: str | None = None, since: datetime | None = None) -> list[dict[str, Any]]:
        """Newest first; ``limit`` 0 = all; ``since``: started then or later."""

    @abstractmethod
    def run_counts(self) -> dict[tuple[str, str], int]:
        """Recorded runs per (site, status)."""

    # --- saved searches (``rasd watch``) ----------------------------------------------------

    @abstractmethod
    def save_watch(self, doc: dict[str, Any]) -> None:
        """Create or replace the saved search named ``doc["_id"]``."""

    @abstractmethod
    def list_watches(self) -> list[dict[str, Any]]:
        """Every saved search, by name."""

    @abstractmethod
    def remove_watch(self, name: str) -> bool: ...

    @abstractmethod
    def update_watch(self, name: str, fields: dict[str, Any]) -> None: ...

    @abstractmethod
    def ping(self) -> None:
        """One cheap read: raises when the database cannot be reached."""

    # --- leases ---------------------------------------------------------------------------

    @abstractmethod
    def acquire_lease(self, site: str, token: str, owner: str, ttl: float) -> str | None:
        """Take the site's lease for ``ttl`` seconds: None when taken, else who holds it. An
        expired lease is cleared (only that one: a fresh lease taken meanwhile stays)."""

    @abstractmethod
    def renew_lease(self, token: str, ttl: float) -> bool:
        """False when the lease is gone (expired and taken over)."""

    @abstractmethod
    def release_lease(self, token: str) -> None: ...

    @abstractmethod
    def lease_holder(self, site: str) -> str | None:
        """Who holds a live (unexpired) lease on the site, or None."""

    # --- site health ----------------------------------------------------------------------

    @abstractmethod
    def get_site_health(self, site: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def set_site_health(self, site: str, fields: dict[str, Any]) -> None:
        """Upsert: the given fields replace theirs, others stay."""

    @abstractmethod
    def _close(self) -> None: ...


def _backend(uri: str) -> type[Store]:
    if is_mongo_uri(require_db(uri)):
        from crawler.storage.mongo import MongoStore

        return MongoStore
    from crawler.storage.sqlite import SqliteStore

    return SqliteStore


def open_store(uri: str) -> Store:
    """MongoDB for ``mongodb://``/``mongodb+srv://`` URIs, else the embedded SQLite file
    (``Store(uri)`` does the same)."""
    return _backend(uri)(uri)


def _when(doc: dict[str, Any]) -> datetime | None:
    value = doc.get("published") or doc.get("first_seen")
    return as_utc(value) if isinstance(value, datetime) else None


def _earlier(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether ``a`` was published strictly before ``b`` (unknown dates are never earlier)."""
    wa, wb = _when(a), _when(b)
    return wa is not None and wb is not None and wa < wb
