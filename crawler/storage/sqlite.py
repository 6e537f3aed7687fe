"""The embedded store: one SQLite file (stdlib sqlite3) with a real schema.

Every query Rasd makes has an indexed column (URL, aliases, site and publication time,
fingerprint, cluster, LSH bands in their own table, runs by site and start, leases, health,
versions); the rest of a document is JSON beside it. Opening reads the schema version and
nothing else, so it costs the same at 1k and 1M articles. WAL lets readers run while one
writer writes, and each save is one ``BEGIN IMMEDIATE`` transaction: concurrent crawls queue
for the write lock (busy timeout) instead of interleaving their duplicate bookkeeping.
Full-text search is FTS5 over the analyzer's terms (:mod:`crawler.storage.analyzer`),
ranked by bm25 with the title weighted above the body.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from base64 import b64decode, b64encode
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bson import ObjectId

from crawler.storage import analyzer
from crawler.storage.query import ArticlePage, ArticleQuery
from crawler.storage.store import (
    KNOWN_FIELDS,
    Change,
    DuplicateArticle,
    Store,
    StoreError,
    StoreUnavailable,
    is_litemongo_store,
    utcnow,
)

SCHEMA_VERSION = 1
BUSY_TIMEOUT = 5.0  # seconds a write waits for another writer's transaction
TITLE_WEIGHT = 5.0  # bm25 weight of a title match against a body match
# A search matching more articles than this is answered from its newest matches (the large-
# match plan of find_articles); one matching fewer is scored and counted whole. Measured at 1M
# articles: scoring and joining 20k matches ≈ 0.1 s, all of a common word's million ≈ 5 s.
LARGE_MATCHES = 20_000
RANKED_NEWEST = 10_000  # how many of the newest matches the large-match plan ranks

_SCHEMA = """
CREATE TABLE articles (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL UNIQUE,
    site TEXT,
    language TEXT,
    published INTEGER,
    first_seen INTEGER,
    fingerprint TEXT,
    cluster_id TEXT,
    duplicate_of TEXT,
    version INTEGER,
    minhash BLOB,
    doc TEXT NOT NULL
);
CREATE INDEX articles_site_published ON articles (site, published);
CREATE INDEX articles_published ON articles (published);
CREATE INDEX articles_site_first_seen ON articles (site, first_seen);
CREATE INDEX articles_fingerprint ON articles (fingerprint, site);
CREATE INDEX articles_cluster ON articles (cluster_id);
CREATE TABLE aliases (alias TEXT PRIMARY KEY, article INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX aliases_article ON aliases (article);
CREATE TABLE bands (band TEXT NOT NULL, article INTEGER NOT NULL, PRIMARY KEY (band, article)) WITHOUT ROWID;
CREATE INDEX bands_article ON bands (article);
CREATE TABLE versions (
    article TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (article, version)
) WITHOUT ROWID;
CREATE TABLE runs (
    id TEXT PRIMARY KEY, site TEXT, trigger TEXT, status TEXT, started INTEGER, doc TEXT NOT NULL
);
CREATE INDEX runs_site_started ON runs (site, started);
CREATE INDEX runs_started ON runs (started);
CREATE TABLE leases (
    site TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE, owner TEXT, acquired INTEGER, expires INTEGER NOT NULL
);
CREATE TABLE site_health (site TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE watches (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE INDEX articles_first_seen ON articles (first_seen);
CREATE VIRTUAL TABLE search USING fts5 (title, body, content = '', tokenize = 'unicode61 remove_diacritics 0');
"""
# Index name -> the document fields it serves (Store.index_keys).
_INDEX_KEYS = {("url",), ("_id",), ("site", "published"), ("published",), ("site", "first_seen"), ("first_seen",),
               ("fingerprint", "site"), ("cluster_id",), ("aliases",), ("lsh",)}
# Kept in columns or tables of their own, not in the JSON document.
_OUTSIDE_DOC = ("_id", "url", "minhash", "lsh")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CANDIDATE_COLUMNS = "n, id, url, minhash, published, first_seen, duplicate_of, cluster_id"


# --- values ---------------------------------------------------------------------------------

def ms(value: datetime | None) -> int | None:
    """A datetime as UTC milliseconds (naive ones are UTC), the precision MongoDB keeps too."""
    if value is None:
        return None
    delta = (value if value.tzinfo else value.replace(tzinfo=UTC)) - _EPOCH
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def from_ms(value: int | None) -> datetime | None:
    return None if value is None else _EPOCH + timedelta(milliseconds=value)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": ms(value)}
    if isinstance(value, ObjectId):
        return {"$oid": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bin": b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, set | tuple):
        return list(value)
    raise TypeError(f"cannot store a value of type {type(value).__name__}: {value!r}"[:200])


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$date" in obj:
            return from_ms(obj["$date"])
        if "$oid" in obj:
            return ObjectId(obj["$oid"])
        if "$bin" in obj:
            return b64decode(obj["$bin"])
    return obj


def dumps(doc: dict[str, Any]) -> str:
    """JSON with datetimes (UTC milliseconds), ObjectIds and bytes tagged. Integers beyond
    64 bits are refused, as MongoDB refuses them, so a document stores alike on both."""
    _check_ints(doc)
    return json.dumps(doc, ensure_ascii=False, default=_default, separators=(",", ":"))


def loads(text: str) -> dict[str, Any]:
    return json.loads(text, object_hook=_hook)


def _check_ints(value: Any) -> None:
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise OverflowError(f"integer {value} does not fit in 64 bits")
    if isinstance(value, dict):
        for v in value.values():
            if isinstance(v, dict | list | int):
                _check_ints(v)
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, dict | list | int):
                _check_ints(v)


def _oid(value: Any) -> str:
    return str(value)


def _by_date(row: Any) -> tuple[bool, int, int]:
    """Rows (n, score, site, published): newest published first, undated last."""
    return row[3] is None, -(row[3] or 0), -row[0]


def _by_score(row: Any) -> tuple[float, int, int]:
    """Best bm25 first (FTS5 scores are negative), equal scores newest published first."""
    return row[1], -(row[3] or 0), -row[0]


def _site_counts(rows: list[Any]) -> dict[str, int]:
    """Matches per site (column 2 of each row), most first."""
    return dict(Counter(r[2] for r in rows).most_common())


def _match_expression(search: analyzer.Search) -> str | None:
    """An FTS5 MATCH of the parsed search: every term and phrase, none of the excluded."""
    if search.empty:
        return None
    required = [f'"{t}"' for t in search.required] + ['"' + " ".join(p) + '"' for p in search.phrases]
    expr = " AND ".join(required)
    if search.excluded:
        expr = f"({expr}) NOT ({' OR '.join(f'{chr(34)}{t}{chr(34)}' for t in search.excluded)})"
    return expr


class SqliteStore(Store):
    """The embedded store in one SQLite file (plus its -wal and -shm while open)."""

    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        self.path = Path(self.uri).expanduser()
        self._lock = threading.RLock()
        self._in_write = False
        try:
            self._refuse_legacy()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None,
                                        check_same_thread=False)
            # WAL with synchronous=NORMAL: a commit no longer waits for fsync while holding
            # the write lock that every other process writing this store queues behind (it
            # was a seventh of a worker's time with four workers); a power cut may lose the
            # last commits, never the file (https://sqlite.org/wal.html#performance_considerations).
            self.conn.execute("PRAGMA synchronous=NORMAL")
            try:
                self._prepare()
            except BaseException:
                self.conn.close()
                raise
            stat = self.path.stat()
            self._inode = (stat.st_dev, stat.st_ino)
        except StoreError:
            raise
        except (sqlite3.Error, OSError) as exc:
            config = isinstance(exc, NotADirectoryError | IsADirectoryError | FileExistsError) or (
                isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc))
            kind = StoreError if config else StoreUnavailable
            raise kind(f"cannot open database {self.masked_uri}: {exc}") from exc

    def _refuse_legacy(self) -> None:
        """A store of the old format is never opened nor replaced: the user is told how to
        copy it (``rasd migrate``), and nothing is deleted."""
        if is_litemongo_store(self.path):
            target = self.path.with_suffix(".sqlite")
            raise StoreError(
                f"{self.path} is an embedded store of an earlier Rasd version (litemongo). Copy it "
                f"into the new format with:\n  pip install 'rasd[migrate-litemongo]'\n  rasd migrate --from "
                f"{self.path} --to {target}\nthen use --db {target} (or RASD_DB={target}); the old store "
                "is left as it is")

    def _prepare(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer Rasd (schema {version}); upgrade Rasd")
        self.conn.execute("PRAGMA journal_mode=WAL")
        with self._write():
            if self.conn.execute("PRAGMA user_version").fetchone()[0] == 0:  # another process may have won
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # --- transactions and the file itself ---------------------------------------------------

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taken at once (BEGIN IMMEDIATE): read-then-write steps of
        two processes can never interleave. Nested uses join the outer transaction."""
        with self._lock:
            if self._in_write:
                yield
                return
            self._check_file()
            self.conn.execute("BEGIN IMMEDIATE")
            self._in_write = True
            try:
                yield
            except BaseException:
                self._in_write = False
                self.conn.execute("ROLLBACK")
                raise
            self._in_write = False
            self.conn.execute("COMMIT")

    def _atomic(self) -> contextlib.AbstractContextManager[Any]:
        return self._write()

    def _check_file(self) -> None:
        """SQLite keeps writing into a file deleted (or replaced) under it, and all of it
        is lost at close (issue 14.3): the file at our path must still be the one we opened."""
        try:
            stat = os.stat(self.path)
            same = (stat.st_dev, stat.st_ino) == getattr(self, "_inode", (stat.st_dev, stat.st_ino))
        except FileNotFoundError:
            same = False
        if not same:
            raise StoreUnavailable(f"the database file {self.path} was deleted or replaced while in use")

    def vanished(self) -> bool:
        """Whether the file this store writes to is gone (checked at close by the crawl)."""
        try:
            self._check_file()
        except StoreUnavailable:
            return True
        return False

    def _close(self) -> None:
        with self._lock:
            self.conn.close()

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, tuple(params)).fetchall()

    # --- articles: documents ------------------------------------------------------------------

    @staticmethod
    def _doc(row: Any, full: bool = False, bands: list[str] | None = None) -> dict[str, Any]:
        """Row (n, id, url, minhash, doc) -> document."""
        doc = loads(row[4])
        doc["_id"] = ObjectId(row[1])
        doc["url"] = row[2]
        if full:
            if row[3] is not None:
                doc["minhash"] = row[3]
            if bands:
                doc["lsh"] = bands
        return {"_id": doc.pop("_id"), **doc}

    def _columns(self, doc: dict[str, Any]) -> tuple[Any, ...]:
        return (doc.get("site"), doc.get("language"), ms(doc.get("published")), ms(doc.get("first_seen")),
                doc.get("fingerprint"), doc.get("cluster_id"), doc.get("duplicate_of"), doc.get("version"),
                doc.get("minhash"), dumps({k: v for k, v in doc.items() if k not in _OUTSIDE_DOC}))

    @staticmethod
    def _search_text(doc: dict[str, Any]) -> tuple[str, str]:
        body = "\n".join([*(doc.get("tags") or ()), doc.get("body") or ""])
        return analyzer.index_text(doc.get("title") or ""), analyzer.index_text(body)

    def _index_text(self, n: int, doc: dict[str, Any], old: dict[str, Any] | None = None) -> None:
        """The article's terms in the full-text index. The index keeps no copy of them
        (contentless: a third less on disk), so replacing them names the old terms, which
        the stored document gives back."""
        if old is not None:
            self.conn.execute("INSERT INTO search (search, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                              (n, *self._search_text(old)))
        self.conn.execute("INSERT INTO search (rowid, title, body) VALUES (?, ?, ?)", (n, *self._search_text(doc)))

    def _insert_row(self, doc: dict[str, Any], ignore: bool = False) -> int | None:
        """Insert one whole document; None when ``ignore`` and its URL or id is stored."""
        article_id = doc.get("_id") or ObjectId()
        verb = "INSERT OR IGNORE" if ignore else "INSERT"
        try:
            cur = self.conn.execute(
                f"{verb} INTO articles (id, url, site, language, published, first_seen, fingerprint, cluster_id, "
                "duplicate_of, version, minhash, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (_oid(article_id), doc["url"], *self._columns(doc)))
        except sqlite3.IntegrityError as exc:
            raise DuplicateArticle(doc["url"]) from exc
        if cur.rowcount == 0:
            return None
        n = cur.lastrowid
        assert n is not None
        self.conn.executemany("INSERT OR IGNORE INTO aliases (alias, article) VALUES (?, ?)",
                              [(a, n) for a in doc.get("aliases") or () if a != doc["url"]])
        self.conn.executemany("INSERT OR IGNORE INTO bands (band, article) VALUES (?, ?)",
                              [(b, n) for b in doc.get("lsh") or ()])
        self._index_text(n, doc)
        return n

    # --- articles: primitives of the save policy ---------------------------------------------------

    def _find_known(self, urls: list[str]) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT n, id, url, minhash, doc FROM articles WHERE url = ?", (urls[0],)).fetchone()
        if row is None and len(urls) > 1:
            marks = ",".join("?" * (len(urls) - 1))
            row = self.conn.execute(f"SELECT n, id, url, minhash, doc FROM articles WHERE url IN ({marks})",
                                    urls[1:]).fetchone()
        if row is None:
            marks = ",".join("?" * len(urls))
            row = self.conn.execute(
                "SELECT n, id, url, minhash, doc FROM articles WHERE n = "
                f"(SELECT article FROM aliases WHERE alias IN ({marks}) LIMIT 1)", urls).fetchone()
        return self._doc(row) if row else None

    def _by_fingerprint(self, fingerprint: str, site: str | None, exclude_url: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT id, url FROM articles WHERE fingerprint = ? AND site IS ? AND url != ?",
                                (fingerprint, site, exclude_url)).fetchone()
        return {"_id": ObjectId(row[0]), "url": row[1]} if row else None

    @staticmethod
    def _candidate_doc(row: Any) -> dict[str, Any]:
        return {"_id": ObjectId(row[1]), "url": row[2], "minhash": row[3], "published": from_ms(row[4]),
                "first_seen": from_ms(row[5]), "duplicate_of": row[6], "cluster_id": row[7]}

    def _band_candidates(self, bands: list[str], exclude_url: str, limit: int) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(bands))
        rows = self._rows(
            f"SELECT {_CANDIDATE_COLUMNS} FROM articles WHERE n IN "
            f"(SELECT DISTINCT article FROM bands WHERE band IN ({marks})) AND url != ? LIMIT ?",
            [*bands, exclude_url, limit])
        return [self._candidate_doc(r) for r in rows]

    def _candidate(self, url: str) -> dict[str, Any] | None:
        rows = self._rows(f"SELECT {_CANDIDATE_COLUMNS} FROM articles WHERE url = ?", [url])
        return self._candidate_doc(rows[0]) if rows else None

    def _insert_article(self, doc: dict[str, Any]) -> Any:
        article_id = ObjectId()
        self._insert_row({**doc, "_id": article_id})
        return article_id

    def _insert_version(self, record: dict[str, Any]) -> bool:
        cur = self.conn.execute("INSERT OR IGNORE INTO versions (article, version, doc) VALUES (?, ?, ?)",
                                (_oid(record["article_id"]), record["version"], dumps(record)))
        return cur.rowcount == 1

    def _update_article(self, article_id: Any, change: Change, if_version: int | None = None) -> bool:
        with self._write():
            row = self.conn.execute("SELECT n, id, url, minhash, doc FROM articles WHERE id = ?",
                                    (_oid(article_id),)).fetchone()
            if row is None:
                return False
            n, doc = row[0], self._doc(row, full=True)
            if if_version is not None and doc.get("version") != if_version:
                return False
            old = dict(doc)
            doc.update(change.set)
            new_aliases = [a for a in change.aliases if a != doc["url"] and a not in (doc.get("aliases") or [])]
            if new_aliases:
                doc["aliases"] = [*(doc.get("aliases") or []), *new_aliases]
                self.conn.executemany("INSERT OR IGNORE INTO aliases (alias, article) VALUES (?, ?)",
                                      [(a, n) for a in new_aliases])
            if change.seen is not None:
                last = doc.get("last_seen")
                doc["last_seen"] = max(last, change.seen) if isinstance(last, datetime) else change.seen
            if change.next_version:
                doc["version"] = (doc.get("version") or 1) + 1
            if change.drop_bands:
                doc.pop("lsh", None)
            if "lsh" in change.set or change.drop_bands:
                self.conn.execute("DELETE FROM bands WHERE article = ?", (n,))
                self.conn.executemany("INSERT OR IGNORE INTO bands (band, article) VALUES (?, ?)",
                                      [(b, n) for b in doc.get("lsh") or ()])
            self.conn.execute(
                "UPDATE articles SET site = ?, language = ?, published = ?, first_seen = ?, fingerprint = ?, "
                "cluster_id = ?, duplicate_of = ?, version = ?, minhash = ?, doc = ? WHERE n = ?",
                (*self._columns(doc), n))
            if any(change.set.get(k) != old.get(k) for k in ("title", "body", "tags") if k in change.set):
                self._index_text(n, doc, old)
            return True

    def _reroot(self, cluster_id: str, root_url: str) -> None:
        with self._write():
            rows = self.conn.execute("SELECT n, doc FROM articles WHERE cluster_id = ? AND url != ?",
                                     (cluster_id, root_url)).fetchall()
            for n, text in rows:
                doc = loads(text)
                doc["duplicate_of"] = root_url
                self.conn.execute("UPDATE articles SET duplicate_of = ?, doc = ? WHERE n = ?",
                                  (root_url, dumps(doc), n))
                self.conn.execute("DELETE FROM bands WHERE article = ?", (n,))

    # --- articles: reading ---------------------------------------------------------------------

    def _bands_of(self, n: int) -> list[str]:
        return [r[0] for r in self._rows("SELECT band FROM bands WHERE article = ?", [n])]

    def known_articles(self, urls: list[str]) -> dict[str, dict[str, Any]]:
        if not urls:
            return {}
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(urls), 500):
            chunk = urls[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._rows(
                f"SELECT n, id, url, minhash, doc FROM articles WHERE url IN ({marks}) UNION "
                f"SELECT n, id, url, minhash, doc FROM articles WHERE n IN "
                f"(SELECT article FROM aliases WHERE alias IN ({marks}))", [*chunk, *chunk])
            for row in rows:
                doc = self._doc(row)
                known = {k: doc[k] for k in KNOWN_FIELDS if k in doc}
                for url in (doc["url"], *(doc.get("aliases") or ())):
                    found.setdefault(url, known)
        return {u: found[u] for u in urls if u in found}

    def get_article(self, ref: str) -> dict[str, Any] | None:
        if ref.startswith(("http://", "https://")):
            rows = self._rows("SELECT n, id, url, minhash, doc FROM articles WHERE url = ? UNION ALL "
                              "SELECT n, id, url, minhash, doc FROM articles WHERE n = "
                              "(SELECT article FROM aliases WHERE alias = ?) LIMIT 1", [ref, ref])
        else:
            rows = self._rows("SELECT n, id, url, minhash, doc FROM articles WHERE id = ?", [ref.strip().lower()])
        return self._doc(rows[0]) if rows else None

    def article_versions(self, article_id: Any) -> list[dict[str, Any]]:
        return [loads(r[0]) for r in self._rows("SELECT doc FROM versions WHERE article = ? ORDER BY version",
                                               [_oid(article_id)])]

    def iter_versions(self) -> Iterator[dict[str, Any]]:
        last: tuple[str, int] = ("", -1)
        while True:
            rows = self._rows("SELECT article, version, doc FROM versions WHERE (article, version) > (?, ?) "
                              "ORDER BY article, version LIMIT 1000", last)
            if not rows:
                return
            for row in rows:
                yield loads(row[2])
            last = (rows[-1][0], rows[-1][1])

    def cluster_members(self, cluster_id: str) -> list[dict[str, Any]]:
        rows = self._rows("SELECT n, id, url, minhash, doc FROM articles WHERE cluster_id = ? "
                          "ORDER BY coalesce(published, first_seen), n", [cluster_id])
        return [self._doc(r) for r in rows]

    def _where(self, q: ArticleQuery, sites: bool = True) -> tuple[list[str], list[Any]]:
        """Conditions on article columns (``sites`` False: all but the site filter, for facets)."""
        where: list[str] = []
        params: list[Any] = []
        if q.sites and sites:
            where.append(f"a.site IN ({','.join('?' * len(q.sites))})")
            params.extend(q.sites)
        if q.since:
            where.append("a.published >= ?")
            params.append(ms(q.since))
        if q.until:
            where.append("a.published < ?")
            params.append(ms(q.until))
        if q.language:
            where.append("a.language = ?")
            params.append(q.language)
        if q.hide_duplicates:
            where.append("a.duplicate_of IS NULL")
        if q.seen_since:
            where.append("a.first_seen >= ?")
            params.append(ms(q.seen_since))
        return where, params

    @staticmethod
    def _match(q: ArticleQuery) -> tuple[analyzer.Search, str] | None:
        """The parsed search and its MATCH expression; None when it can match nothing."""
        parsed = analyzer.parse_search(q.search or "")
        expr = _match_expression(parsed)
        return None if expr is None else (parsed, expr)

    def find_articles(self, q: ArticleQuery) -> ArticlePage:
        if not q.search:
            return self._listing(q)
        matched = self._match(q)
        if matched is None:
            return ArticlePage([], 0, {} if q.facets else None)
        parsed, expr = matched
        probe = self._rows("SELECT count(*) FROM (SELECT rowid FROM search WHERE search MATCH ? LIMIT ?)",
                           [expr, LARGE_MATCHES + 1])[0][0]
        page = None
        if probe > LARGE_MATCHES:
            page = self._large_search(q, expr)
        if page is None:
            page = self._search(q, expr)
        for doc in page.items:
            analyzer.highlights(doc, parsed)
        return page

    def _search(self, q: ArticleQuery, expr: str) -> ArticlePage:
        """Every match scored and filtered in one pass, which gives the page, the total and the
        facets together (serve used to run the match three times for them)."""
        where, params = self._where(q, sites=not q.facets)
        rows = self._rows(f"SELECT m.rowid, m.score, a.site, a.published FROM (SELECT rowid, "
                          f"bm25(search, {TITLE_WEIGHT}, 1.0) AS score FROM search WHERE search MATCH ?) m "
                          "JOIN articles a ON a.n = m.rowid" + "".join(f" AND {w}" for w in where),
                          [expr, *params])
        facets = _site_counts(rows) if q.facets else None
        if q.facets and q.sites:
            rows = [r for r in rows if r[2] in q.sites]
        if q.sort == "relevance":
            rows.sort(key=_by_score)
        else:
            rows.sort(key=_by_date)
        chosen = rows[q.offset:q.offset + q.limit] if q.limit else rows[q.offset:]
        return ArticlePage(self._page_docs([(r[0], r[1]) for r in chosen]), len(rows), facets)

    def _large_search(self, q: ArticleQuery, expr: str) -> ArticlePage | None:
        """A search matching more than LARGE_MATCHES articles, answered without scoring or
        joining every match: relevance ranks the newest RANKED_NEWEST matches only (their
        bm25 is the same as in a full ranking: the term statistics are the whole index's);
        the date order walks articles newest first and keeps those that match. The total is
        the index's own count when nothing else filters it, else (like facets) estimated
        from the newest matches; by date, only the page's articles among the newest matches
        carry a ``score``. None when the page lies beyond the newest matches (deep relevance
        paging): then the full ranking answers, slowly but exactly. Worst case: by date with a
        filter that (nearly) no matching article passes, the walk reads every article."""
        where, params = self._where(q, sites=False)
        site_filter = set(q.sites)
        matches = self._rows("SELECT count(*) FROM search WHERE search MATCH ?", [expr])[0][0]
        sample = self._rows(f"SELECT m.rowid, m.score, a.site, a.published FROM (SELECT rowid, "
                            f"bm25(search, {TITLE_WEIGHT}, 1.0) AS score FROM search WHERE search MATCH ? "
                            "ORDER BY rowid DESC LIMIT ?) m JOIN articles a ON a.n = m.rowid"
                            + "".join(f" AND {w}" for w in where), [expr, RANKED_NEWEST, *params])
        scale = matches / min(matches, RANKED_NEWEST)
        kept = [r for r in sample if not site_filter or r[2] in site_filter]
        unfiltered = not where and not site_filter
        total = matches if unfiltered else round(len(kept) * scale)
        exact = unfiltered or matches <= RANKED_NEWEST  # else estimated
        facets = None
        if q.facets:
            facets = _site_counts(sample)
            facets = facets if matches <= RANKED_NEWEST else {s: round(n * scale) for s, n in facets.items()}
        end = q.offset + q.limit if q.limit else None
        if q.sort == "relevance":
            if end is None or end > len(kept):
                return None
            kept.sort(key=_by_score)
            chosen = [(r[0], r[1]) for r in kept[q.offset:end]]
            ranked: int | None = min(matches, RANKED_NEWEST)
        else:
            where_all, params_all = self._where(q)
            rows = self._rows("SELECT a.n FROM articles a WHERE " + " AND ".join(
                [*where_all, "EXISTS (SELECT 1 FROM search WHERE search MATCH ? AND search.rowid = a.n)"])
                + " ORDER BY a.published DESC, a.n DESC LIMIT ? OFFSET ?",
                [*params_all, expr, q.limit or -1, q.offset])
            scores = {r[0]: r[1] for r in sample}  # the newest matches were scored already
            chosen = [(r[0], scores.get(r[0])) for r in rows]
            total = max(total, q.offset + len(chosen))
            ranked = None
        return ArticlePage(self._page_docs(chosen), total, facets, exact=exact,
                           facets_exact=matches <= RANKED_NEWEST, ranked_among=ranked)

    def _page_docs(self, chosen: list[tuple[int, float | None]]) -> list[dict[str, Any]]:
        """The documents of a page's rows, in the page's order, with their scores."""
        by_n: dict[int, Any] = {}
        for start in range(0, len(chosen), 500):
            part = [n for n, _ in chosen[start:start + 500]]
            by_n.update((r[0], r) for r in self._rows(
                f"SELECT n, id, url, minhash, doc FROM articles WHERE n IN ({','.join('?' * len(part))})", part))
        items = []
        for n, score in chosen:
            doc = self._doc(by_n[n])
            if score is not None:
                doc["score"] = round(-score, 3)
            items.append(doc)
        return items

    def _listing(self, q: ArticleQuery) -> ArticlePage:
        """Newest first, no search: the page from the (site, published) indexes (only its rows'
        documents are read); total and facets from one count per site when facets are asked for."""
        where, params = self._where(q)
        paged = bool(q.limit or q.offset)
        rows = self._rows("SELECT a.n FROM articles a" + (" WHERE " + " AND ".join(where) if where else "")
                          + " ORDER BY a.published DESC, a.n DESC" + (" LIMIT ? OFFSET ?" if paged else ""),
                          [*params, q.limit or -1, q.offset] if paged else params)
        items = self._page_docs([(r[0], None) for r in rows])
        facets = self.site_counts(replace(q, sites=())) if q.facets else None
        if facets is not None:
            total = sum(n for s, n in facets.items() if not q.sites or s in q.sites)
        else:
            short = not q.limit or len(items) < q.limit  # the last page: the total is known
            total = q.offset + len(items) if short and (items or not q.offset) else self.count_articles(q)
        return ArticlePage(items, total, facets)

    def _source(self, q: ArticleQuery, sites: bool = True) -> tuple[str, list[Any]] | None:
        """FROM/WHERE of a query; None when its search can match nothing. A search with no
        other filter is counted in the full-text index alone (every indexed row is an article)."""
        where, params = self._where(q, sites)
        if not q.search:
            return "articles a" + (" WHERE " + " AND ".join(where) if where else ""), params
        matched = self._match(q)
        if matched is None:
            return None
        if not where:
            return "search WHERE search MATCH ?", [matched[1]]
        return ("search JOIN articles a ON a.n = search.rowid WHERE search MATCH ? AND " + " AND ".join(where),
                [matched[1], *params])

    def count_articles(self, q: ArticleQuery) -> int:
        built = self._source(q)
        return 0 if built is None else self._rows(f"SELECT count(*) FROM {built[0]}", built[1])[0][0]

    def site_counts(self, q: ArticleQuery) -> dict[str, int]:
        if q.search:
            facets = self.find_articles(replace(q, facets=True, limit=1, offset=0)).facets or {}
            return {s: n for s, n in facets.items() if not q.sites or s in q.sites}
        built = self._source(q)
        assert built is not None
        return {site: n for site, n in self._rows(f"SELECT a.site, count(*) FROM {built[0]} GROUP BY a.site "
                                                  "ORDER BY 2 DESC", built[1])}

    def iter_articles(self, q: ArticleQuery | None = None) -> Iterator[dict[str, Any]]:
        where, params = self._where(q or ArticleQuery())
        last = 0
        while True:
            rows = self._rows("SELECT a.n, a.id, a.url, a.minhash, a.doc FROM articles a WHERE "
                              + " AND ".join(["a.n > ?", *where]) + " ORDER BY a.n LIMIT 500", [last, *params])
            if not rows:
                return
            for row in rows:
                yield self._doc(row, full=True, bands=self._bands_of(row[0]))
            last = rows[-1][0]

    def articles_per_day(self, since: datetime, site: str | None = None) -> list[tuple[str, str, int]]:
        rows = self._rows(
            "SELECT site, date(first_seen / 1000, 'unixepoch') AS day, count(*) FROM articles "
            "WHERE first_seen >= ?" + (" AND site = ?" if site else "") + " GROUP BY site, day ORDER BY site, day",
            [ms(since), *([site] if site else [])])
        return [(s or "", d, n) for s, d, n in rows]

    def newest_first_seen(self) -> dict[str, datetime]:
        rows = self._rows("SELECT site, max(first_seen) FROM articles WHERE site IS NOT NULL GROUP BY site")
        return {s: _EPOCH + timedelta(milliseconds=v) for s, v in rows if v is not None}

    def site_activity(self, site: str, since: datetime) -> tuple[int, datetime | None]:
        count, newest = self._rows("SELECT (SELECT count(*) FROM articles WHERE site = ? AND first_seen >= ?), "
                                   "(SELECT max(first_seen) FROM articles WHERE site = ?)",
                                   [site, ms(since), site])[0]
        return count, from_ms(newest)

    def band_matches(self, bands: list[str]) -> int:
        marks = ",".join("?" * len(bands))
        return self._rows(f"SELECT count(DISTINCT article) FROM bands WHERE band IN ({marks})", bands)[0][0]

    def index_keys(self) -> set[tuple[str, ...]]:
        return set(_INDEX_KEYS)

    # --- bulk copies ----------------------------------------------------------------------

    def import_articles(self, docs: Iterable[dict[str, Any]]) -> int:
        added = 0
        with self._write():
            for doc in docs:
                if self._insert_row(doc, ignore=True) is not None:
                    added += 1
        return added

    def import_versions(self, records: Iterable[dict[str, Any]]) -> int:
        with self._write():
            return sum(self._insert_version(r) for r in records)

    def import_runs(self, runs: Iterable[dict[str, Any]]) -> int:
        added = 0
        with self._write():
            for run in runs:
                cur = self.conn.execute(
                    "INSERT OR IGNORE INTO runs (id, site, trigger, status, started, doc) VALUES (?, ?, ?, ?, ?, ?)",
                    self._run_row(run))
                added += cur.rowcount
        return added

    def iter_site_health(self) -> Iterator[dict[str, Any]]:
        for site, text in self._rows("SELECT site, doc FROM site_health ORDER BY site"):
            yield {"_id": site, **loads(text)}

    # --- runs -----------------------------------------------------------------------------

    @staticmethod
    def _run_row(doc: dict[str, Any]) -> tuple[Any, ...]:
        return (_oid(doc["_id"]), doc.get("site"), doc.get("trigger"), doc.get("status"),
                ms(doc.get("started")), dumps(doc))

    def insert_run(self, doc: dict[str, Any]) -> None:
        doc = {"_id": ObjectId(), **doc}
        with self._write():
            self.conn.execute("INSERT INTO runs (id, site, trigger, status, started, doc) VALUES (?, ?, ?, ?, ?, ?)",
                              self._run_row(doc))

    def apply_run_update(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._write():
            row = self.conn.execute("SELECT doc FROM runs WHERE id = ?", (_oid(update["_id"]),)).fetchone()
            doc = loads(row[0]) if row else {"_id": update["_id"], **(update.get("on_insert") or {})}
            doc.update(update.get("set") or {})
            self.conn.execute("INSERT OR REPLACE INTO runs (id, site, trigger, status, started, doc) "
                              "VALUES (?, ?, ?, ?, ?, ?)", self._run_row(doc))
            return doc

    def get_run(self, run_id: Any) -> dict[str, Any] | None:
        rows = self._rows("SELECT doc FROM runs WHERE id = ?", [_oid(run_id)])
        return loads(rows[0][0]) if rows else None

    def latest_run(self, site: str) -> dict[str, Any] | None:
        runs = self.find_runs(site=site, limit=1)
        return runs[0] if runs else None

    def find_runs(self, site: str | None = None, status: str | None = None, limit: int = 20,
                  trigger: str | None = None, since: datetime | None = None) -> list[dict[str, Any]]:
        where = [f"{col} = ?" for col, v in (("site", site), ("status", status), ("trigger", trigger)) if v]
        params: list[Any] = [v for v in (site, status, trigger) if v]
        if since:
            where.append("started >= ?")
            params.append(ms(since))
        sql = ("SELECT doc FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY started DESC" + (" LIMIT ?" if limit else ""))
        return [loads(r[0]) for r in self._rows(sql, [*params, *([limit] if limit else [])])]

    def run_counts(self) -> dict[tuple[str, str], int]:
        return {(s or "", st or ""): n for s, st, n in self._rows("SELECT site, status, count(*) FROM runs "
                                                                   "GROUP BY site, status")}

    # --- saved searches -------------------------------------------------------------------

    def save_watch(self, doc: dict[str, Any]) -> None:
        with self._write():
            self.conn.execute("INSERT OR REPLACE INTO watches (name, doc) VALUES (?, ?)", (doc["_id"], dumps(doc)))

    def list_watches(self) -> list[dict[str, Any]]:
        return [loads(r[0]) for r in self._rows("SELECT doc FROM watches ORDER BY name")]

    def remove_watch(self, name: str) -> bool:
        with self._write():
            return self.conn.execute("DELETE FROM watches WHERE name = ?", (name,)).rowcount == 1

    def update_watch(self, name: str, fields: dict[str, Any]) -> None:
        with self._write():
            row = self.conn.execute("SELECT doc FROM watches WHERE name = ?", (name,)).fetchone()
            if row is not None:
                doc = {**loads(row[0]), **fields}
                self.conn.execute("UPDATE watches SET doc = ? WHERE name = ?", (dumps(doc), name))

    def ping(self) -> None:
        self._rows("SELECT 1 FROM runs LIMIT 1")

    # --- leases ---------------------------------------------------------------------------

    def acquire_lease(self, site: str, token: str, owner: str, ttl: float) -> str | None:
        with self._write():
            now = utcnow()
            held = self.conn.execute("SELECT owner, expires FROM leases WHERE site = ?", (site,)).fetchone()
            if held is not None:
                if held[1] > ms(now):
                    return held[0] or "?"
                self.conn.execute("DELETE FROM leases WHERE site = ?", (site,))
            self.conn.execute("INSERT INTO leases (site, token, owner, acquired, expires) VALUES (?, ?, ?, ?, ?)",
                              (site, token, owner, ms(now), ms(now + timedelta(seconds=ttl))))
            return None

    def renew_lease(self, token: str, ttl: float) -> bool:
        with self._write():
            cur = self.conn.execute("UPDATE leases SET expires = ? WHERE token = ?",
                                    (ms(utcnow() + timedelta(seconds=ttl)), token))
            return cur.rowcount == 1

    def release_lease(self, token: str) -> None:
        with self._write():
            self.conn.execute("DELETE FROM leases WHERE token = ?", (token,))

    def lease_holder(self, site: str) -> str | None:
        rows = self._rows("SELECT owner FROM leases WHERE site = ? AND expires > ?", (site, ms(utcnow())))
        return (rows[0][0] or "?") if rows else None

    # --- site health ----------------------------------------------------------------------

    def get_site_health(self, site: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT doc FROM site_health WHERE site = ?", [site])
        return {"_id": site, **loads(rows[0][0])} if rows else None

    def set_site_health(self, site: str, fields: dict[str, Any]) -> None:
        with self._write():
            row = self.conn.execute("SELECT doc FROM site_health WHERE site = ?", (site,)).fetchone()
            doc = {**(loads(row[0]) if row else {}), **fields}
            doc.pop("_id", None)
            self.conn.execute("INSERT OR REPLACE INTO site_health (site, doc) VALUES (?, ?)", (site, dumps(doc)))
