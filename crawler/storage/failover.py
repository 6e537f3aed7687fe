"""The store with the spool standing in while the database is down.

Writes go to ``Store.save_article`` while the database works. An embedded store file deleted
while the crawl writes to it (issue 14.3) is an outage too: SQLite would go on writing into
the unlinked file and lose it all at close, so the store checks the file on every write, and
this process does not create a new, empty store in its place (the next command does). The first outage (see
``crawler.storage.store.is_outage``) closes the store and diverts articles to the spool; ``retry``
reopens it and replays the spool in order. While anything this process spooled is still
waiting, new articles queue behind it in the spool, so an older version of an article can
never overwrite a newer one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.ops.runs import apply_update
from crawler.secrets import mask_secrets
from crawler.storage.shared import SharedStore
from crawler.storage.spool import ARTICLE, RUN, Record, Rejected, ReplayResult, Spool, spool_dir
from crawler.storage.store import (
    DROP_DUPLICATES_KEY,
    SaveResult,
    Store,
    StoreError,
    StoreUnavailable,
    embedded_write_check,
    is_mongo_uri,
    is_outage,
    require_db,
    utcnow,
)

logger = logging.getLogger(__name__)

SPOOLED = "spooled"


class RejectedDocument(Exception):
    """The database refused the document itself; spooling it would not help."""


@dataclass
class FailoverCounts:
    spooled: int = 0
    replayed: int = 0
    runs_replayed: int = 0  # run-record updates
    outages: int = 0
    rejected: int = 0
    torn: int = 0           # incomplete last lines of killed writers, skipped
    corrupt: int = 0        # undecodable spool lines, quarantined
    outcomes: dict[str, int] = field(default_factory=dict)  # of replayed articles
    errors: list[str] = field(default_factory=list)         # masked messages, newest last

    @property
    def degraded(self) -> bool:
        return bool(self.outages or self.spooled)


class FailoverStore:
    """``connection``: the connection to share (a crawl's, crawler.resources); by default
    one of its own."""

    def __init__(self, uri: str | None, spool: str | None = None,
                 connection: SharedStore | None = None) -> None:
        self.uri = require_db(uri)
        self.connection = connection or SharedStore(self.uri)
        self.spool = Spool(spool_dir(self.uri, spool))
        self.store: Store | None = None
        self.backlog = False  # this process has spooled articles not yet replayed
        self._last_problem: str | None = None
        self.counts = FailoverCounts()
        self._opened_file = False  # the embedded store existed while this process used it

    @property
    def up(self) -> bool:
        return self.store is not None

    def open(self) -> bool:
        """Connect and replay what earlier runs left in the spool; False when the database
        is unavailable (then everything is spooled until ``retry`` succeeds)."""
        self.spool.remove_stray_progress()
        return self.retry(strict=True)

    def save(self, doc: dict[str, Any], now: datetime | None = None,
             drop_duplicates: bool = False) -> SaveResult:
        """The ``SaveResult`` of ``Store.save_article`` when stored (outcome "new" /
        "updated" / "unchanged" / "alias" / "duplicate"), outcome "spooled" when it waits on
        disk. ``drop_duplicates`` travels with a spooled document (as a transient key that
        ``save_article`` pops), so the replay honours it. Raises RejectedDocument for a
        document the database will never take and OSError when even the spool cannot be
        written."""
        now = now or utcnow()
        if self.store is not None and not self.backlog:
            try:
                return self.store.save_article(dict(doc), now, drop_duplicates=drop_duplicates)
            except Exception as exc:
                if not is_outage(exc):
                    self.counts.rejected += 1
                    raise RejectedDocument(mask_secrets(f"{doc.get('url')}: {exc}")) from exc
                self._down(exc)
        self.spool.append({**doc, DROP_DUPLICATES_KEY: True} if drop_duplicates else doc, now)
        self.counts.spooled += 1
        self.backlog = True
        return SaveResult(SPOOLED, None)

    def retry(self, strict: bool = False) -> bool:
        """Reopen the database if needed and replay the spool; True when it is all stored.
        ``strict``: a configuration error (bad URI, wrong password) raises StoreError instead
        of being treated as an outage — right at the start of a run, where it means the
        user must fix something."""
        if self.store is None:
            problem = embedded_write_check(self.uri) or self._deleted()
            if problem:
                self._note(f"database {mask_secrets(self.uri)} cannot be written: {problem}")
                return False
            try:
                self.store = self.connection.acquire()
            except StoreUnavailable as exc:
                self._note(str(exc))
                return False
            except StoreError as exc:
                if strict:
                    raise
                self._note(str(exc))
                return False
            self._opened_file = not is_mongo_uri(self.uri)
            logger.info("database %s is available", self.store.masked_uri)
        try:
            result = self.spool.replay(self._replay_one)
        except Exception as exc:
            if not is_outage(exc):
                raise
            self._down(exc)
            return False
        self._last_problem = None
        self._tally(result)
        if result.busy:
            logger.info("%d spool segment(s) held by another crawl; it will replay them", result.busy)
        self.backlog = False
        return True

    def _deleted(self) -> str | None:
        if self._opened_file and not Path(self.uri).expanduser().exists():
            return f"the database file {self.uri} was deleted during this run"
        return None

    def _replay_one(self, record: Record) -> None:
        assert self.store is not None
        run = record.kind == RUN
        try:
            if run:
                apply_update(self.store, record.doc)
            else:
                outcome = self.store.save_article(record.doc, record.at).outcome
        except Exception as exc:
            if is_outage(exc):
                raise
            self.counts.rejected += 1
            what = f"run record {record.doc.get('_id')}" if run else f"article {record.doc.get('url')}"
            self._note(f"rejected spooled {what}: {exc}")
            raise Rejected(mask_secrets(f"{what}: {exc}")) from exc
        if run:
            self.counts.runs_replayed += 1
        else:
            self.counts.replayed += 1
            self.counts.outcomes[outcome] = self.counts.outcomes.get(outcome, 0) + 1

    def _tally(self, result: ReplayResult) -> None:
        self.counts.torn += result.torn
        self.counts.corrupt += result.corrupt
        if result.stored:
            logger.warning("replayed %d spooled record(s) into %s", result.stored,
                           mask_secrets(self.uri))

    def _down(self, exc: BaseException) -> None:
        self.counts.outages += 1
        self._note(f"database {mask_secrets(self.uri)} unavailable: {exc}")
        if self.store is not None:
            try:
                self.store.discard()
            except Exception:  # closing a broken connection may fail too; it is gone either way
                logger.debug("closing the failed store raised", exc_info=True)
            self.store = None

    def _note(self, message: str) -> None:
        """Report a problem once per outage and cause: a retry failing the same way every
        few seconds is one error in the run's stats, not hundreds."""
        message = mask_secrets(message)
        if message == self._last_problem:
            logger.info("%s (still)", message)
            return
        self._last_problem = message
        self.counts.errors.append(message)
        logger.warning("%s; articles go to the spool at %s", message, self.spool.directory)

    def waiting(self) -> int:
        """Articles still in the spool."""
        return self.spool.waiting()[ARTICLE]

    def close(self) -> None:
        self.spool.close()
        if self.store is not None:
            if self.store.vanished():  # what was stored since it went is gone with the file
                self.counts.outages += 1
                self._note(f"the database file {mask_secrets(self.uri)} was deleted or replaced during "
                           "this run: articles stored in it are lost; the next crawl fetches them again")
            self.store.close()
            self.store = None

    def __enter__(self) -> FailoverStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
