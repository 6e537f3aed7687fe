"""Saved searches after each crawl: new matches of every watch go to its webhook, once.

A watch remembers how far its matches were delivered (first-seen time and the ids at that
instant); the mark moves only when the webhook accepted the POST, so a webhook that is down
gets the same articles after the next crawl, and one that took them never gets them again.
Posting and secret masking are the site alerts' (crawler.ops.alerts).
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from crawler.ops.alerts import post, redact_url
from crawler.storage.query import ArticleQuery, iso, public
from crawler.storage.store import Store, mask_secrets, utcnow
from crawler.storage.watches import list_watches, mark_delivered

logger = logging.getLogger(__name__)

MAX_PER_POST = 100  # a burst after a long outage is delivered over several crawls


def watch_payload(watch: dict[str, Any], articles: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "event": "watch", "watch": watch["_id"], "search": watch["search"], "sites": watch.get("sites") or [],
        "at": iso(utcnow()), "host": socket.gethostname(),
        "articles": [{k: v for k, v in public(a).items() if k != "body"} for a in articles],
    }


def new_matches(store: Store, watch: dict[str, Any]) -> list[dict[str, Any]]:
    """Matches first stored at or after the delivery mark, not yet delivered, oldest first."""
    since = watch["delivered_until"]
    done = set(watch.get("delivered_ids") or [])
    query = ArticleQuery(search=watch["search"] or None, sites=tuple(watch.get("sites") or ()), seen_since=since,
                         sort="date", limit=0)
    docs = [d for d in store.find_articles(query).items if str(d["_id"]) not in done]
    docs.sort(key=lambda d: (d["first_seen"], str(d["_id"])))
    return docs[:MAX_PER_POST]


def notify_watches(store: Store) -> dict[str, int]:
    """Deliver every watch's new matches; how many articles each watch sent."""
    sent: dict[str, int] = {}
    for watch in list_watches(store):
        docs = new_matches(store, watch)
        if not docs or not watch.get("webhook"):
            continue
        now = utcnow()
        if not post(watch["webhook"], watch_payload(watch, docs)):
            mark_delivered(store, watch["_id"], watch["delivered_until"], watch.get("delivered_ids") or [],
                           f"webhook {redact_url(watch['webhook'])} failed", now)
            continue
        until = docs[-1]["first_seen"]
        ids = [str(d["_id"]) for d in docs if d["first_seen"] == until]
        if until == watch["delivered_until"]:
            ids = [*(watch.get("delivered_ids") or []), *ids]
        mark_delivered(store, watch["_id"], until, ids, None, now)
        logger.info("watch %s: %d new match(es) sent to %s", watch["_id"], len(docs),
                    mask_secrets(redact_url(watch["webhook"])))
        sent[watch["_id"]] = len(docs)
    return sent
