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
        site = self.site(item)
        result = self.store.save_article(to_document(item),
                                         drop_duplicates=bool(site and site.drop_duplicates))
        self.inc(f"articles_{result.outcome}")
        if result.outcome in ("alias", "duplicate") or (result.outcome == "new" and result.duplicate_of):
            self.inc("duplicates")
        if result.outcome == "updated":
            self.inc("versions")
        if self.crawler is not None and self.crawler.settings.getbool("RASD_PROGRESS"):
            note = f" (duplicate of {result.duplicate_of})" if result.duplicate_of else ""
            logger.info("%s %s %s%s", result.outcome, item["site"], item["url"], note)
        return item
