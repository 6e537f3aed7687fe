"""Invariants of the duplicate bookkeeping, checked over a whole store.

What concurrent writers must never break (issue 14.4): an article is never a duplicate or an
alias of itself, is never last seen before it was first seen, and every cluster of copies has
exactly one root — the article every copy points to, the only one of them that keeps its LSH
bands (so the next copy still finds the cluster).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from crawler.storage.store import Store, as_utc


def problems(store: Store) -> list[str]:
    """Every broken invariant, in words; an empty list for a sound store."""
    found: list[str] = []
    clusters: dict[str, list[dict[str, Any]]] = defaultdict(list)
    owners: dict[str, str] = {}
    for doc in store.iter_articles():
        url = doc["url"]
        if doc.get("duplicate_of") == url:
            found.append(f"{url} is a duplicate of itself")
        if url in (doc.get("aliases") or ()):
            found.append(f"{url} is an alias of itself")
        first, last = as_utc(doc.get("first_seen")), as_utc(doc.get("last_seen"))
        if first and last and last < first:
            found.append(f"{url} last seen {last} before first seen {first}")
        for alias in doc.get("aliases") or ():
            if owners.setdefault(alias, url) != url:
                found.append(f"{alias} is an alias of both {owners[alias]} and {url}")
        clusters[doc.get("cluster_id") or ""].append(doc)
    urls = {d["url"] for members in clusters.values() for d in members}
    found += [f"{a} is both an article and an alias of {u}" for a, u in owners.items() if a in urls]
    for cluster_id, members in clusters.items():
        if len(members) < 2:
            continue
        roots = [d for d in members if not d.get("duplicate_of")]
        if len(roots) != 1:
            found.append(f"cluster {cluster_id}: {len(roots)} roots among {len(members)} articles")
            continue
        root = roots[0]
        if root.get("minhash") and not root.get("lsh"):
            found.append(f"cluster {cluster_id}: root {root['url']} has lost its LSH bands")
        for d in members:
            if d is not root and d.get("duplicate_of") != root["url"]:
                found.append(f"cluster {cluster_id}: {d['url']} points to {d.get('duplicate_of')}, "
                             f"not the root {root['url']}")
            if d is not root and d.get("lsh"):
                found.append(f"cluster {cluster_id}: copy {d['url']} is still in the LSH index")
    return found
