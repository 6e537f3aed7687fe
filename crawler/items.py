"""Items flowing from the spider through the pipelines.

The spider's callback makes a :class:`RawPage` of a fetched page and runs the offline
stages on it (pipelines/offline.py): the parse stage turns it into an :class:`Article`, which
later stages enrich (normalised fields, dates, read-also links; then dedup marks).
Their fields, and what each one is, are declared in crawler/model.py.
"""

from __future__ import annotations

from collections.abc import Mapping

import scrapy

from crawler.model import ARTICLE, RAW_PAGE, Flags


def _declare(model: Mapping[str, Flags]) -> dict[str, scrapy.Field]:
    """Scrapy fields, in the model's order, carrying its flags as field metadata."""
    return {name: scrapy.Field(flags) for name, flags in model.items()}


class RawPage(scrapy.Item):
    """A fetched article page, decoded, before any parsing."""

    fields = _declare(RAW_PAGE)


class Article(scrapy.Item):
    """One article as stored."""

    fields = _declare(ARTICLE)
