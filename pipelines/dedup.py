"""Stage 5 — dedup: one article per canonical URL within a run, and the keys the store
uses to find copies of it across runs, sites and processes.

Redirects, canonical links and tracking parameters can bring the same article in under
several request URLs; only the first reaches the store. Exact copies (same fingerprint)
and near-duplicates (MinHash LSH bands, see :mod:`crawler.storage.neardup`) are resolved against
everything stored by :meth:`crawler.storage.store.Store.save_article`, not here, so the decision
holds across runs and processes.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.items import Article
from crawler.stats import DUPLICATES
from crawler.storage import neardup
from pipelines.base import Stage


class DedupPipeline(Stage):
    def open_spider(self) -> None:
        self.seen: dict[str, set[str]] = {}

    def process_item(self, item: Article) -> Article:
        aliases = set(item.get("aliases") or ())
        known = self.seen.get(item["url"])
        if known is not None and aliases <= known:
            self.inc(DUPLICATES)
            raise DropItem(f"duplicate of {item['url']}")
        # A repeat reached under a new URL still goes on, so the store records that alias.
        self.seen.setdefault(item["url"], set()).update(aliases)
        keys = neardup.keys(item.get("body_norm") or "")
        if keys is not None:
            item["minhash"] = keys.signature
            item["lsh"] = keys.bands
        return item
