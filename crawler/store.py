"""The database: MongoDB through pymongo, or the embedded litemongo file store.

Everything above this module talks the pymongo API only, so the same code runs on a user's
laptop (embedded file, no server) and in production (MongoDB by URI).
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pymongo
from bson.errors import BSONError
from platformdirs import user_data_path
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError, WriteError

DB_NAME = "rasd"
_MONGO_SCHEMES = ("mongodb://", "mongodb+srv://")
# user:password@ in any URL. The password runs to the last '@' of the URL, so an unescaped
# '@' or '/' inside it is masked too (at worst more than the password is hidden).
_PASSWORD_IN_URI = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^\s\"'<>]*@", re.I)
# Secrets carried in query strings (?token=…, &api_key=…, ?sig=…).
_SECRET_PARAM = re.compile(
    r"(?P<key>[?&;](?:password|passwd|pwd|pass|token|access_token|auth|auth_token|api[_-]?key|"
    r"apikey|key|secret|client_secret|sig|signature|code)=)[^&;#\s\"']+",
    re.I,
)
# Webhook URLs whose path is the credential: Slack /services/…, Discord /api/webhooks/…,
# Mattermost and friends /hooks/…, Teams /webhookb2/…, Telegram /bot<token>/….
_SECRET_PATH = re.compile(
    r"(?P<keep>://[^/\s]+/(?:[^\s?#]*?/)??(?:services|webhooks|hooks|webhookb2|IncomingWebhook)/)"
    r"[^\s?#\"']+|(?P<bot>://api\.telegram\.org/bot)[^/\s]+",
    re.I,
)
_OUTAGE_ERRORS = (ConnectionFailure, sqlite3.Error, OSError)
# A path that can never work (a file where a folder must be): the user must fix it.
_CONFIG_OS_ERRORS = (NotADirectoryError, IsADirectoryError, FileExistsError)


class StoreError(RuntimeError):
    """The database cannot be opened or used; the message never carries a password."""


class StoreUnavailable(StoreError):
    """The database is configured correctly but cannot be reached or written right now
    (server down, file locked or read-only): worth spooling and retrying, not stopping."""


def is_outage(exc: BaseException) -> bool:
    """Whether a failed write may succeed later unchanged. Errors in the document itself
    (not encodable, rejected by a validator) never will, so they must not block a spool."""
    if isinstance(exc, BSONError | OverflowError):
        return False
    if isinstance(exc, WriteError) and not isinstance(exc, DuplicateKeyError):
        return False
    return isinstance(exc, PyMongoError | sqlite3.Error | OSError)


def default_db_path() -> Path:
    return user_data_path("rasd", appauthor=False) / "rasd.db"


def resolve_db(uri: str | None = None) -> str:
    """Explicit value, else RASD_DB, else the default embedded file."""
    return uri or os.environ.get("RASD_DB") or str(default_db_path())


def is_mongo_uri(uri: str) -> bool:
    return uri.startswith(_MONGO_SCHEMES)


def mask_secrets(text: str) -> str:
    """Text with every credential in a URL replaced by ***: passwords in
    ``scheme://user:password@``, secret query parameters and webhook tokens. The one place
    that decides what a secret looks like; logs, stats, errors and outputs all use it."""
    text = _PASSWORD_IN_URI.sub(r"\g<scheme>\g<user>:***@", text)
    text = _SECRET_PARAM.sub(r"\g<key>***", text)
    return _SECRET_PATH.sub(lambda m: (m.group("keep") or m.group("bot")) + "***", text)


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


@dataclass
class SaveResult:
    outcome: str  # "new" | "updated" | "unchanged"
    doc_id: Any


class Store:
    """Collections and the operations the crawler and the CLI need."""

    def __init__(self, uri: str | None = None) -> None:
        self.uri = resolve_db(uri)
        self.masked_uri = mask_secrets(self.uri)
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
        self.runs.create_index([("site", 1), ("started", -1)])
        self.runs.create_index([("started", -1)])
        self.leases.create_index("site", unique=True)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing -------------------------------------------------------------------------

    def save_article(self, doc: dict[str, Any], now: datetime | None = None) -> SaveResult:
        """Insert a new article or refresh a known one; the content fingerprint decides
        between "updated" and "unchanged". Retries once on a unique-index race with another
        process, as MongoDB itself can raise DuplicateKeyError for concurrent upserts."""
        now = now or utcnow()
        for attempt in range(2):
            existing = self.articles.find_one({"url": doc["url"]}, {"fingerprint": 1, "version": 1})
            if existing is None:
                new = {**doc, "first_seen": now, "last_seen": now, "version": 1}
                try:
                    return SaveResult("new", self.articles.insert_one(new).inserted_id)
                except DuplicateKeyError:
                    if attempt:
                        raise
                    continue
            if existing.get("fingerprint") == doc.get("fingerprint"):
                self.articles.update_one({"_id": existing["_id"]}, {"$set": {"last_seen": now}})
                return SaveResult("unchanged", existing["_id"])
            fields = {k: v for k, v in doc.items() if k not in ("first_seen", "_id")}
            self.articles.update_one(
                {"_id": existing["_id"]},
                {"$set": {**fields, "last_seen": now}, "$inc": {"version": 1}},
            )
            return SaveResult("updated", existing["_id"])
        raise AssertionError("unreachable")
