"""The offline part of the pipeline on one saved page: what ``rasd parse``, the tests and
the parse benchmark run, so each sees exactly what a crawl would store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scrapy import Item
from scrapy.utils.misc import load_object

from crawler.config import SiteConfig
from crawler.fetch.encoding import decode_page
from crawler.items import RawPage
from crawler.storage.query import iso, public
from crawler.storage.store import utcnow
from crawler.urls import canonical_url
from pipelines import OFFLINE_STAGES
from pipelines.store import to_document


def parse_page(html_bytes: bytes, url: str, site: SiteConfig | None,
               sites: dict[str, SiteConfig], fetched_at: datetime | None = None) -> dict[str, Any]:
    """What the offline pipeline stages make of one saved page (nothing is stored).
    ``fetched_at`` (default now) is what relative dates ("منذ ساعتين") count back from."""
    encoding, text = decode_page(html_bytes)
    item: Item = RawPage(url=canonical_url(url), final_url=url, status=200, html=text,
                        encoding=encoding, site=site.name if site else None,
                        fetched_at=fetched_at or utcnow(),
                        headers={}, depth=0, hints={})
    for path in OFFLINE_STAGES:
        item = load_object(path)(sites).process_item(item)
    doc = to_document(item)
    out = public(doc)
    out.update({k: iso(v) for k, v in doc.items() if k not in out})
    return out
