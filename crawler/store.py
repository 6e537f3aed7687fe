"""The database: MongoDB through pymongo, or the embedded litemongo file store.

Everything above this module talks the pymongo API only, so the same code runs on a user's
laptop (embedded file, no server) and in production (MongoDB by URI).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pymongo
from platformdirs import user_data_path
from pymongo.errors import DuplicateKeyError, PyMongoError

DB_NAME = "rasd"
_MONGO_SCHEMES = ("mongodb://", "mongodb+srv://")
_PASSWORD_IN_URI = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]+):[^@/\s]*@", re.I)


class StoreError(RuntimeError):
    """The database cannot be opened or used; the message never carries a password."""


def default_db_path() -> Path:
    return user_data_path("rasd", appauthor=False) / "rasd.db"


def resolve_db(uri: str | None = None) -> str:
    """Explicit value, else RASD_DB, else the default embedded file."""
    return uri or os.environ.get("RASD_DB") or str(default_db_path())


def is_mongo_uri(uri: str) -> bool:
    return uri.startswith(_MONGO_SCHEMES)


def mask_secrets(text: str) -> str:
    """Replace the password of any ``scheme://user:password@`` in text with ***."""
    return _PASSWORD_IN_URI.sub(r"\g<scheme>\g<user>:***@", text)


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
        except (PyMongoError, OSError, ValueError) as exc:
            raise StoreError(f"cannot open database {self.masked_uri}: {mask_secrets(str(exc))}") from exc

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
