"""Per-site leases, so several schedulers on one database never crawl a site at once.

A lease is a document in ``leases`` with a unique index on ``site``: taking it is one insert,
which the database makes atomic (MongoDB and litemongo both raise DuplicateKeyError for the
loser). Every lease has its own ``_id``, so clearing an expired lease deletes exactly that
document and can never remove a fresh lease another scheduler took in the meantime. The
holder renews the expiry while its crawl runs; a scheduler that dies hard leaves a lease that
simply expires.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from pymongo.errors import DuplicateKeyError

from crawler.storage.store import Store, utcnow

DEFAULT_TTL = 60.0  # seconds; renewed every TTL/3 while the crawl runs


def owner_id() -> str:
    """Who holds a lease, in words a user can act on: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_held(store: Store, site: str) -> bool:
    """Whether some scheduler holds a live (unexpired) lease on the site."""
    return store.leases.find_one({"site": site, "expires": {"$gt": utcnow()}}, {"_id": 1}) is not None


class Lease:
    def __init__(self, store: Store, site: str, owner: str, ttl: float = DEFAULT_TTL) -> None:
        self.store, self.site, self.owner, self.ttl = store, site, owner, ttl
        self.token = uuid.uuid4().hex
        self.holder: str | None = None  # the other owner, after a failed acquire()

    def acquire(self) -> bool:
        for _ in range(3):
            now = utcnow()
            try:
                self.store.leases.insert_one({
                    "_id": self.token, "site": self.site, "owner": self.owner,
                    "acquired": now, "expires": now + timedelta(seconds=self.ttl),
                })
                return True
            except DuplicateKeyError:
                held = self.store.leases.find_one({"site": self.site})
                if held is None:
                    continue  # released between our insert and our look
                if held["expires"] > now:
                    self.holder = held.get("owner")
                    return False
                self.store.leases.delete_one({"_id": held["_id"], "expires": held["expires"]})
        return False

    def renew(self) -> bool:
        """False when the lease was lost (expired and taken over): the caller should stop."""
        result = self.store.leases.update_one(
            {"_id": self.token}, {"$set": {"expires": utcnow() + timedelta(seconds=self.ttl)}}
        )
        return result.matched_count == 1

    def release(self) -> None:
        self.store.leases.delete_one({"_id": self.token})
