"""Page → article: the offline stages, run by the spider's callback on every fetched page
and by ``rasd parse`` (and the tests and the parse benchmark) on a saved one — the one
function both go through, so each sees exactly what a crawl stores."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from scrapy import Item
from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object

from crawler.config import SiteConfig
from crawler.fetch.encoding import decode_page
from crawler.items import Article, RawPage
from crawler.storage.query import iso, public
from crawler.storage.store import utcnow
from crawler.urls import canonical_url
from pipelines import OFFLINE_STAGES
from pipelines.readalso import LINKED
from pipelines.store import to_document


class PageStage(Protocol):
    """One offline stage (pipelines.base.Stage): takes the item the previous one made."""

    def process_item(self, item: Any) -> Any: ...


@dataclass
class Parsed:
    """An article, and its read-also links as the page wrote them (what a crawl follows)."""

    article: Article
    linked: list[str] = field(default_factory=list)


class OfflineStages:
    """The stages of ``stages`` (default :data:`pipelines.OFFLINE_STAGES`, in that order),
    built once. With a crawler their counters and errors go into its stats; without one
    (``rasd parse``) nowhere."""

    def __init__(self, sites: dict[str, SiteConfig], crawler: Crawler | None = None,
                 stages: Iterable[str | type] = OFFLINE_STAGES) -> None:
        self.stages: list[PageStage] = [load_object(stage)(sites, crawler) for stage in stages]

    def run(self, page: RawPage) -> Parsed:
        """The article a fetched page holds. Raises DropItem for a page that is none (a
        listing, a menu: crawler.extract.verdict), counted as the stage that judged it says."""
        item: Item = page
        for stage in self.stages:
            item = stage.process_item(item)
        assert isinstance(item, Article)  # the parse stage made one of the page
        linked = [link.pop(LINKED) for link in item.get("read_also") or [] if LINKED in link]
        return Parsed(item, linked)


def parse_page(html_bytes: bytes, url: str, site: SiteConfig | None,
               sites: dict[str, SiteConfig], fetched_at: datetime | None = None) -> dict[str, Any]:
    """What the offline stages make of one saved page (nothing is stored), as ``rasd
    parse`` prints it. ``fetched_at`` (default now) is what relative dates ("منذ ساعتين")
    count back from."""
    encoding, text = decode_page(html_bytes)
    page = RawPage(url=canonical_url(url), final_url=url, status=200, html=text,
                   encoding=encoding, site=site.name if site else None,
                   fetched_at=fetched_at or utcnow(), headers={}, depth=0, hints={})
    doc = to_document(OfflineStages(sites).run(page).article)
    out = public(doc)
    out.update({k: iso(v) for k, v in doc.items() if k not in out})
    return out
