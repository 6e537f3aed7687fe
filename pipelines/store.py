"""Stage 6 — store: articles into MongoDB or the embedded store."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter

from crawler.store import Store
from pipelines.base import Stage

logger = logging.getLogger(__name__)

# Fields that exist only while an item travels through the pipelines.
TRANSIENT = ("html", "hints", "published_raw", "modified_raw", "depth")


def to_document(item: Any) -> dict[str, Any]:
    doc = {k: v for k, v in ItemAdapter(item).items() if k not in TRANSIENT and v is not None}
    doc.setdefault("duplicate_of", None)
    return doc


class StorePipeline(Stage):
    def open_spider(self) -> None:
        self.store = Store(self.crawler.settings.get("RASD_DB") if self.crawler else None)

    def close_spider(self) -> None:
        self.store.close()

    def process_item(self, item: Any) -> Any:
        result = self.store.save_article(to_document(item))
        self.inc(f"articles_{result.outcome}")
        if self.crawler is not None and self.crawler.settings.getbool("RASD_PROGRESS"):
            logger.info("%s %s %s", result.outcome, item["site"], item["url"])
        return item
