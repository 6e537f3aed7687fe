"""Stage 2 — normalise: comparison keys derived from the text; the text itself is kept."""

from __future__ import annotations

import hashlib

from crawler.arabic import dedupe_keep_first, normalise
from crawler.items import Article
from pipelines.base import Stage


def fingerprint(body_norm: str) -> str:
    """Exact-duplicate key: the same normalised body gives the same fingerprint."""
    return hashlib.sha1(body_norm.encode("utf-8")).hexdigest()


class NormalisePipeline(Stage):
    def process_item(self, item: Article) -> Article:
        item["title_norm"] = normalise(item.get("title") or "")
        item["body_norm"] = normalise(item.get("body") or "")
        tags = dedupe_keep_first([t.strip() for t in item.get("tags") or [] if t and t.strip()])
        item["tags"] = tags
        item["tags_norm"] = [normalise(t) for t in tags]
        item["fingerprint"] = fingerprint(item["body_norm"])
        return item
