"""Items flowing from the spider through the pipelines.

The spider only fetches: it yields :class:`RawPage`. The parse stage turns a raw page into
an :class:`Article`, which later stages enrich (normalised fields, dates, dedup marks).
"""

from __future__ import annotations

import scrapy


class RawPage(scrapy.Item):
    """A fetched article page, decoded, before any parsing."""

    url = scrapy.Field()          # URL as requested (canonical form)
    final_url = scrapy.Field()    # after redirects
    status = scrapy.Field()
    html = scrapy.Field()         # decoded text
    encoding = scrapy.Field()
    site = scrapy.Field()         # site config name
    fetched_at = scrapy.Field()   # aware UTC datetime
    headers = scrapy.Field()      # {"etag": …, "last_modified": …}
    depth = scrapy.Field()        # read-also hops from a listing/feed/sitemap
    hints = scrapy.Field()        # what the feed/sitemap said: {"lastmod": …, "title": …}


class Article(scrapy.Item):
    """One article as stored. Raw text fields keep the page's spelling; *_norm fields are
    derived for matching and search only."""

    url = scrapy.Field()
    final_url = scrapy.Field()
    site = scrapy.Field()
    status = scrapy.Field()
    fetched_at = scrapy.Field()
    headers = scrapy.Field()
    depth = scrapy.Field()
    hints = scrapy.Field()
    title = scrapy.Field()
    published = scrapy.Field()
    modified = scrapy.Field()
    published_raw = scrapy.Field()
    modified_raw = scrapy.Field()
    authors = scrapy.Field()
    source = scrapy.Field()
    tags = scrapy.Field()
    summary = scrapy.Field()
    section = scrapy.Field()
    image = scrapy.Field()
    language = scrapy.Field()
    body = scrapy.Field()
    read_also = scrapy.Field()
    extraction = scrapy.Field()   # field -> layer that produced it
    layout = scrapy.Field()       # which of the site's versioned layouts parsed the page
    title_norm = scrapy.Field()
    body_norm = scrapy.Field()
    tags_norm = scrapy.Field()
    fingerprint = scrapy.Field()
    duplicate_of = scrapy.Field()
    cluster_id = scrapy.Field()
    aliases = scrapy.Field()      # other canonical URLs the same article was reached under
    minhash = scrapy.Field()      # near-duplicate signature (crawler.storage.neardup)
    lsh = scrapy.Field()          # its LSH band keys, indexed in the store
