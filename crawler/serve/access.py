"""The app's one way to the store: reads run on the store's own thread(s), never on the
event loop, and a database that went away is a :class:`StoreDown` (503) until it is back.

The embedded store gets one thread and one connection: SQLite in WAL mode reads in
parallel, but Python's sqlite3 retakes the GIL at every row, and a pool of reader
connections ran searches (thousands of rows each) slower than one thread
(bench/RESULTS-serve.md, "Tried and rejected"). MongoDB's client is thread-safe and gets
several. The store is opened at the first request and kept; after a failure it is dropped
and reopened on the next request, which is how the app recovers by itself.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from crawler.storage.store import DATABASE_ERRORS, Store, is_mongo_uri, mask_secrets, open_store

T = TypeVar("T")
MONGO_THREADS = 8


class StoreDown(RuntimeError):
    """The database cannot be read right now; the message names it (without secrets)."""


class StoreAccess:
    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.masked_uri = mask_secrets(uri)
        threads = MONGO_THREADS if is_mongo_uri(uri) else 1
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="rasd-store")
        self._store: Store | None = None
        self._lock = threading.Lock()

    def _open(self) -> Store:
        with self._lock:
            if self._store is None:
                if not is_mongo_uri(self.uri) and not Path(self.uri).expanduser().exists():
                    raise StoreDown(f"no store at {self.masked_uri} (has anything been crawled into it?)")
                self._store = open_store(self.uri)
            return self._store

    def _drop(self, store: Store | None) -> None:
        with self._lock:
            if store is not None and self._store is store:
                self._store = None
                try:
                    store.close()
                except DATABASE_ERRORS:
                    pass

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(store, *args)`` on the calling thread (which must be a store thread)."""
        store = None
        try:
            store = self._open()
            return fn(store, *args)
        except DATABASE_ERRORS as exc:
            self._drop(store)
            raise StoreDown(f"the database {self.masked_uri} is unavailable: {mask_secrets(str(exc))}") from exc

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(store, *args)`` on a store thread."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, self.call, fn, *args)

    def close(self) -> None:
        self.executor.submit(self._drop, self._store).result()
        self.executor.shutdown(wait=True)
