"""Edit history: what a newsroom changed between versions of an article, as a readable diff.

``article_versions`` keeps each replaced version's text and dates (see
:meth:`crawler.storage.store.Store.save_article`); the article itself is the latest version.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from crawler.storage.query import iso
from crawler.storage.store import VERSIONED_FIELDS, Store


@dataclass
class Change:
    """Version ``old`` → ``new`` of one article."""

    old: int
    new: int
    replaced: str | None                 # when the newer version was stored
    changed: list[str]
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # title/dates: old, new
    diff: str = ""                      # unified diff of the body text


def history(store: Store, article: dict[str, Any]) -> list[Change]:
    """Every edit of a stored article, oldest first (none for an article stored once)."""
    snapshots = [v["previous"] | {"replaced": v.get("replaced"), "changed": v.get("changed") or []}
                 for v in store.article_versions(article["_id"])]
    if not snapshots:  # never edited
        return []
    current = {k: article.get(k) for k in VERSIONED_FIELDS} | {"version": article.get("version")}
    changes = []
    for older, newer in pairwise([*snapshots, current]):
        change = Change(old=older.get("version") or 0, new=newer.get("version") or 0,
                        replaced=iso(older["replaced"]), changed=list(older["changed"]))
        for key in ("title", "published", "modified"):
            if older.get(key) != newer.get(key):
                change.fields[key] = (iso(older.get(key)), iso(newer.get(key)))
        change.diff = text_diff(older.get("body") or "", newer.get("body") or "",
                                f"v{change.old}", f"v{change.new}")
        changes.append(change)
    return changes


def text_diff(old: str, new: str, old_label: str = "before", new_label: str = "after") -> str:
    """Unified diff by paragraph, without context: only what was added, removed or rewritten."""
    lines = difflib.unified_diff(_paragraphs(old), _paragraphs(new), old_label, new_label,
                                 n=0, lineterm="")
    return "\n".join(lines)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.splitlines() if p.strip()]
