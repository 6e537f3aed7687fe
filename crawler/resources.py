"""What one crawl holds for all its parts: the site configs, the database connection and the
failover store with its spool.

One :class:`CrawlResources` per crawler, built with ``from_crawler`` by the crawl's spider —
the first component Scrapy creates, before the settings are frozen, when the site config
must already be known (rendering changes the download handlers) — and kept as the spider's
``resources`` attribute, where the stages, the store pipeline and the run record find it
(:func:`crawl_resources`). Nothing is cached on a module or a class: two crawls in one
process (``rasd crawl a b``, a worker's sites) each have their own.

The database is opened on first use (a ``rasd sites --check`` crawl never opens it) and
closed when the spider closes, after every other part's ``spider_closed``: the store stage
has flushed the spool by then (pipelines close before the signal) and the run record is
written (see :meth:`CrawlResources.from_crawler`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.config import SiteConfig, load_sites
from crawler.storage.failover import FailoverStore
from crawler.storage.shared import SharedStore
from crawler.storage.spool import spool_dir
from crawler.storage.store import Store, require_db


class CrawlResources:
    """Site configs, database connection and failover store of one crawl.

    Read from the crawl's settings: RASD_SITE_DIRS and RASD_SITE_NAMES (which configs to
    load), RASD_DB and RASD_SPOOL (where articles go)."""

    def __init__(self, sites: dict[str, SiteConfig], db: str | None, spool: str | None) -> None:
        self.sites = sites
        self.db = db  # None in a crawl that stores nothing (a check): asking for the store fails
        self._spool = spool
        self._connection: SharedStore | None = None
        self._failover: FailoverStore | None = None
        self._kept: Store | None = None  # the crawl's own hold: the connection lives until close

    @property
    def connection(self) -> SharedStore:
        """The crawl's one connection to the database (opened by its first holder)."""
        if self._connection is None:
            self._connection = SharedStore(require_db(self.db))
        return self._connection

    @property
    def spool_dir(self) -> Path:
        """Where the crawl's articles and run record wait while the database is down."""
        return spool_dir(require_db(self.db), self._spool)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        # Only the crawled sites' files must load; another broken one is left out (the CLI
        # and the scheduler report it), since read-also links rarely need it.
        resources = cls(load_sites(settings.getlist("RASD_SITE_DIRS") or None,
                                   need=settings.getlist("RASD_SITE_NAMES") or None),
                        settings.get("RASD_DB"), settings.get("RASD_SPOOL"))

        def opened() -> None:
            # Connected now, not here: every extension, pipeline and middleware has connected
            # its spider_closed handler by the time the spider opens, so this one runs last,
            # after the run record is written.
            crawler.signals.connect(resources.close, signal=signals.spider_closed)

        crawler.signals.connect(opened, signal=signals.spider_opened, weak=False)
        return resources

    def owner(self, url: str) -> SiteConfig | None:
        """The configured site a URL belongs to, if any."""
        return next((s for s in self.sites.values() if s.owns(s.canonical(url))), None)

    def store(self) -> Store:
        """A hold on the crawl's database connection, opened on first use; ``close()`` it
        when done. Raises StoreUnavailable (or another StoreError) when the database cannot
        be opened now."""
        store = self.connection.acquire()
        if self._kept is not store:  # the first, or a fresh one after an outage
            if self._kept is not None:
                self._kept.close()
            self._kept = self.connection.acquire()
        return store

    def failover(self) -> FailoverStore:
        """The failover store of the crawl's articles (made on first use; the store stage
        opens it, flushes and closes it)."""
        if self._failover is None:
            self._failover = FailoverStore(self.db, str(self.spool_dir), connection=self.connection)
        return self._failover

    def close(self) -> None:
        """End of the crawl: the failover store (if the store stage left it open) and the
        crawl's hold on the connection; holders that never let go keep theirs."""
        if self._failover is not None:
            self._failover.close()
        if self._kept is not None:
            self._kept.close()
            self._kept = None


def crawl_resources(crawler: Crawler) -> CrawlResources:
    """The crawl's resources, made by its spider as Scrapy created it."""
    resources = getattr(crawler.spider, "resources", None)
    if not isinstance(resources, CrawlResources):
        raise RuntimeError(f"{type(crawler.spider).__name__} is not a Rasd spider: it has no crawl resources")
    return resources
