"""Stage 5 — dedup: one article per canonical URL within a run.

Redirects, canonical links and tracking parameters can bring the same article in under
several request URLs; only the first reaches the store.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem

from pipelines.base import Stage


class DedupPipeline(Stage):
    def open_spider(self) -> None:
        self.seen: set[str] = set()

    def process_item(self, item: Any) -> Any:
        if item["url"] in self.seen:
            self.inc("duplicates")
            raise DropItem(f"duplicate of {item['url']}")
        self.seen.add(item["url"])
        return item
