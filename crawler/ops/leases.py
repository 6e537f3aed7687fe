"""Per-site leases, so several schedulers on one database never crawl a site at once.

A lease is one record per site, taken atomically by the store (a unique index on MongoDB, a
write transaction on SQLite). Every lease has its own token, so clearing an expired lease
removes exactly that one and can never remove a fresh lease another scheduler took in the
meantime. The
holder renews the expiry while its crawl runs; a scheduler that dies hard leaves a lease that
simply expires.
"""

from __future__ import annotations

import os
import socket
import uuid

from crawler.storage.store import Store

DEFAULT_TTL = 60.0  # seconds; renewed every TTL/3 while the crawl runs


def owner_id() -> str:
    """Who holds a lease, in words a user can act on: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_held(store: Store, site: str) -> bool:
    """Whether some scheduler holds a live (unexpired) lease on the site."""
    return store.lease_holder(site) is not None


class Lease:
    def __init__(self, store: Store, site: str, owner: str, ttl: float = DEFAULT_TTL) -> None:
        self.store, self.site, self.owner, self.ttl = store, site, owner, ttl
        self.token = uuid.uuid4().hex
        self.holder: str | None = None  # the other owner, after a failed acquire()

    def acquire(self) -> bool:
        self.holder = self.store.acquire_lease(self.site, self.token, self.owner, self.ttl)
        return self.holder is None

    def renew(self) -> bool:
        """False when the lease was lost (expired and taken over): the caller should stop."""
        return self.store.renew_lease(self.token, self.ttl)

    def release(self) -> None:
        self.store.release_lease(self.token)
