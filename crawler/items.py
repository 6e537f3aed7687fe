"""Items flowing from the spider through the pipelines, and the one definition of each field.

The spider only fetches: it yields :class:`RawPage`. The parse stage turns a raw page into
an :class:`Article`, which later stages enrich (normalised fields, dates, dedup marks).

Each field says on its declaration what it is (the flags in :data:`FLAGS`); every list of
field names elsewhere (selector keys, stored and public fields, what ``sites --check``
shows…) is derived with :func:`fields_with`, so adding a field is one line here.
"""

from __future__ import annotations

from itertools import count

import scrapy

FLAGS = {
    "selector": "a site config may give a CSS/XPath selector for it ([selectors], [[layouts]])",
    "layered": "picked from the extraction layers (selectors, JSON-LD, meta, heuristics), best first",
    "carried": "copied from the fetched page onto the article by the parse stage",
    "transient": "exists only while the item travels through the pipelines; never stored",
    "public": "part of the public JSON shape (articles --format json, article, export)",
    "shown": "printed by `rasd sites --check` for the sample article",
    "listed": "its value is a list (shown as [] when missing)",
    "expected": "checked against the saved pages in tests/sites/expected",
}
_ORDER = count()


def _field(**flags: bool) -> scrapy.Field:
    """A field with its flags; ``order`` keeps declaration order for the derived lists
    (Scrapy sorts ``Item.fields`` by name)."""
    unknown = set(flags) - set(FLAGS)
    if unknown:
        raise TypeError(f"unknown field flag(s): {', '.join(sorted(unknown))}")
    return scrapy.Field(order=next(_ORDER), **flags)


def fields_with(flag: str, *items: type[scrapy.Item]) -> tuple[str, ...]:
    """Names of the fields carrying ``flag``, in declaration order (of :class:`Article`
    unless item classes are given; a name in several of them counts once)."""
    if flag not in FLAGS:
        raise KeyError(f"unknown field flag {flag!r} (known: {', '.join(FLAGS)})")
    found = sorted(
        (meta.get("order", 0), i, name)
        for i, item in enumerate(items or (Article,))
        for name, meta in item.fields.items() if meta.get(flag)
    )
    return tuple(dict.fromkeys(name for _order, _i, name in found))


class RawPage(scrapy.Item):
    """A fetched article page, decoded, before any parsing."""

    url = _field()                    # URL as requested (canonical form)
    final_url = _field()              # after redirects
    status = _field()
    html = _field(transient=True)     # decoded text
    encoding = _field()
    site = _field()                   # site config name
    fetched_at = _field()             # aware UTC datetime
    headers = _field()                # {"etag": …, "last_modified": …}
    depth = _field(transient=True)    # read-also hops from a listing/feed/sitemap
    hints = _field(transient=True)    # what the feed/sitemap said: {"lastmod": …, "title": …}


class Article(scrapy.Item):
    """One article as stored. Raw text fields keep the page's spelling; *_norm fields are
    derived for matching and search only."""

    url = _field(carried=True, public=True, shown=True)
    final_url = _field(carried=True)
    site = _field(carried=True, public=True)
    status = _field(carried=True)
    fetched_at = _field(carried=True)
    headers = _field(carried=True)
    depth = _field(carried=True, transient=True)
    hints = _field(carried=True, transient=True)
    title = _field(selector=True, layered=True, public=True, shown=True, expected=True)
    published = _field(selector=True, layered=True, public=True, shown=True, expected=True)
    modified = _field(selector=True, layered=True, public=True, shown=True)
    published_raw = _field(transient=True)  # the date as the page wrote it, before parsing
    modified_raw = _field(transient=True)
    authors = _field(selector=True, layered=True, public=True, shown=True, listed=True, expected=True)
    source = _field(selector=True, layered=True, public=True, shown=True)
    tags = _field(selector=True, layered=True, public=True, shown=True, listed=True, expected=True)
    summary = _field(selector=True, layered=True, public=True)
    section = _field(selector=True, layered=True, public=True, shown=True)
    image = _field(selector=True, layered=True, public=True)
    layout = _field(shown=True, expected=True)  # which of the site's versioned layouts parsed the page
    language = _field(public=True, shown=True)
    body = _field(selector=True, public=True, expected=True)
    read_also = _field(selector=True, public=True, listed=True, expected=True)
    first_seen = _field(public=True)  # set by the store when first saved
    last_seen = _field(public=True)   # set by the store at every fetch
    version = _field(public=True)     # set by the store: 1, +1 at each edit of the article
    duplicate_of = _field(public=True)
    cluster_id = _field(public=True)
    extraction = _field()             # field -> layer that produced it
    title_norm = _field()
    body_norm = _field()
    tags_norm = _field(listed=True)
    fingerprint = _field()
    aliases = _field(listed=True)     # other canonical URLs the same article was reached under
    minhash = _field()                # near-duplicate signature (crawler.storage.neardup)
    lsh = _field(listed=True)         # its LSH band keys, indexed in the store
