"""The article model: every field of a fetched page and of an article, declared once with
flags that say what it is.

Every list of field names elsewhere (the keys a site config may select, what is copied
from the page, what is stored or public, what ``sites --check`` shows…) is derived with
:func:`fields_with`, so adding a field is one line here. The Scrapy items in
crawler/items.py are built from these tables; this module imports nothing heavy, so the
query commands read the public fields without loading Scrapy.
"""

from __future__ import annotations

from collections.abc import Mapping

Flags = Mapping[str, bool]

FLAGS = {
    "selector": "a site config may give a CSS/XPath selector for it ([selectors], [[layouts]])",
    "layered": "picked from the extraction layers (selectors, JSON-LD, meta, heuristics), best first",
    "carried": "copied from the fetched page onto the article by the parse stage",
    "transient": "exists only while the item travels through the pipelines; never stored",
    "public": "part of the public JSON shape (articles --format json, article, export), in this order",
    "shown": "printed by `rasd sites --check` for the sample article, in this order",
    "listed": "its value is a list (shown as [] when missing)",
    "expected": "checked against the saved pages in tests/sites/expected",
    "required": "a page without it is a parse failure (rasd/parse_failures/<field>, site health)",
}


def _f(**flags: bool) -> Flags:
    unknown = set(flags) - set(FLAGS)
    if unknown:
        raise TypeError(f"unknown field flag(s): {', '.join(sorted(unknown))}")
    return flags


RAW_PAGE: dict[str, Flags] = {
    "url": _f(),                      # URL as requested (canonical form)
    "final_url": _f(),                # after redirects
    "status": _f(),
    "html": _f(transient=True),       # decoded text
    "encoding": _f(),
    "site": _f(),                     # site config name
    "fetched_at": _f(),               # aware UTC datetime
    "headers": _f(),                  # {"etag": …, "last_modified": …}
    "depth": _f(transient=True),      # read-also hops from a listing/feed/sitemap
    "hints": _f(transient=True),      # what the feed/sitemap said: {"lastmod": …, "title": …}
}

# Raw text fields keep the page's spelling; *_norm fields are derived for matching and
# search only.
ARTICLE: dict[str, Flags] = {
    "url": _f(carried=True, public=True, shown=True),
    "final_url": _f(carried=True),
    "site": _f(carried=True, public=True),
    "status": _f(carried=True),
    "fetched_at": _f(carried=True),
    "headers": _f(carried=True),
    "depth": _f(carried=True, transient=True),
    "hints": _f(carried=True, transient=True),
    "title": _f(selector=True, layered=True, public=True, shown=True, expected=True, required=True),
    "published": _f(selector=True, layered=True, public=True, shown=True, expected=True),
    "modified": _f(selector=True, layered=True, public=True, shown=True, expected=True),
    "published_raw": _f(transient=True),  # the date as the page wrote it, before parsing
    "modified_raw": _f(transient=True),
    "authors": _f(selector=True, layered=True, public=True, shown=True, listed=True, expected=True),
    "source": _f(selector=True, layered=True, public=True, shown=True, expected=True),
    "tags": _f(selector=True, layered=True, public=True, shown=True, listed=True, expected=True),
    "summary": _f(selector=True, layered=True, public=True),
    "section": _f(selector=True, layered=True, public=True, shown=True),
    "image": _f(selector=True, layered=True, public=True),
    "layout": _f(shown=True, expected=True),  # which of the site's versioned layouts parsed the page
    "language": _f(public=True, shown=True),
    "body": _f(selector=True, public=True, expected=True, required=True),
    "read_also": _f(selector=True, public=True, listed=True, expected=True),
    "first_seen": _f(public=True),    # set by the store when first saved
    "last_seen": _f(public=True),     # set by the store at every fetch
    "version": _f(public=True),       # set by the store: 1, +1 at each edit of the article
    "duplicate_of": _f(public=True),
    "cluster_id": _f(public=True),
    "extraction": _f(),               # field -> layer that produced it
    "title_norm": _f(),
    "body_norm": _f(),
    "tags_norm": _f(listed=True),
    "fingerprint": _f(),
    "aliases": _f(listed=True),       # other canonical URLs the same article was reached under
    "minhash": _f(),                  # near-duplicate signature (crawler.storage.neardup)
    "lsh": _f(listed=True),           # its LSH band keys, indexed in the store
}


def fields_with(flag: str, *models: Mapping[str, Flags]) -> tuple[str, ...]:
    """Names of the fields carrying ``flag``, in declaration order (of :data:`ARTICLE`
    unless other tables are given; a name in several of them counts once)."""
    if flag not in FLAGS:
        raise KeyError(f"unknown field flag {flag!r} (known: {', '.join(FLAGS)})")
    return tuple(dict.fromkeys(name for model in models or (ARTICLE,)
                               for name, flags in model.items() if flags.get(flag)))
