"""One database connection shared by the parts of one crawl.

The spider's incremental look-ups, the store stage (through its failover store) and the run
record all use the same database; one connection serves them all (one MongoDB connection
pool, one SQLite connection). A ``SharedStore`` is an ordinary object owned by whoever
shares it — the crawl's :class:`crawler.resources.CrawlResources` — never a registry: two
crawls in one process each have their own.
"""

from __future__ import annotations

from crawler.secrets import mask_secrets
from crawler.storage.store import Store, StoreUnavailable, embedded_write_check, open_store, require_db


class SharedStore:
    """Holds on one open store: :meth:`acquire` takes one, ``Store.close`` releases it and
    the last release closes the connection. A store that failed is ``Store.discard``-ed:
    the next :meth:`acquire` opens a fresh connection, while holders of the failed one
    keep it until they release it."""

    def __init__(self, uri: str) -> None:
        self.uri = require_db(uri)
        self.current: Store | None = None

    def acquire(self) -> Store:
        """A hold on the open store, opening it when there is none. Raises StoreUnavailable
        at once for an embedded store locked by another process: opening may write the
        schema, which would stall the crawl for the busy timeout."""
        if self.current is None:
            problem = embedded_write_check(self.uri)
            if problem:
                raise StoreUnavailable(f"cannot open database {mask_secrets(self.uri)}: {problem}")
            store = open_store(self.uri)
            store._shared_by = self
            self.current = store
        self.current._holders += 1
        return self.current

    def release(self, store: Store) -> bool:
        """Let go of one hold on ``store``; True when it was the last (then close it)."""
        if store._holders > 1:
            store._holders -= 1
            return False
        store._holders = 0
        self.forget(store)
        return True

    def forget(self, store: Store) -> None:
        """Later holds open a new connection instead of ``store``."""
        if self.current is store:
            self.current = None
