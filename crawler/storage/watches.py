"""Saved searches (``rasd watch``): a name, the search and its filters, a webhook, and how far
their matches have been delivered. Kept by the store beside the articles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawler.storage.store import Store, utcnow


def add_watch(store: Store, name: str, search: str, webhook: str | None = None,
              sites: tuple[str, ...] = (), now: datetime | None = None) -> dict[str, Any]:
    """Create or replace a saved search. Only articles stored from now on are new to it: a
    watch on a topic reports what appears after it was set up, not the whole archive."""
    now = now or utcnow()
    doc = {"_id": name, "search": search, "sites": list(sites), "webhook": webhook, "created": now,
           "delivered_until": now, "delivered_ids": [], "last_error": None}
    store.save_watch(doc)
    return doc


def list_watches(store: Store) -> list[dict[str, Any]]:
    return store.list_watches()


def remove_watch(store: Store, name: str) -> bool:
    return store.remove_watch(name)


def mark_delivered(store: Store, name: str, until: datetime, ids: list[str], error: str | None,
                   checked: datetime) -> None:
    """Advance the watch past what its webhook accepted (``until``: the newest first-seen
    time delivered; ``ids``: the articles delivered at exactly that time)."""
    store.update_watch(name, {"delivered_until": until, "delivered_ids": ids, "last_error": error,
                              "checked": checked})
