"""Which of a site's versioned layouts fits a page.

The publication date decides when the page says it (the site's shared selectors, then
JSON-LD, then meta tags, then each layout's own date selector); otherwise the first layout
whose own selectors all find something in the page. A redesign therefore never breaks the
parsing of pages saved before it.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from crawler.config import Layout, SiteConfig
from crawler.dates import parse_date
from crawler.extract import selectors

_NOT_CONTENT = ("read_also", "remove")


def choose(tree: etree._Element, site: SiteConfig | None, known_dates: tuple[str | None, ...] = ()
           ) -> Layout | None:
    """The layout for this page; None when the site has no layouts or none fits."""
    if site is None or not site.layouts:
        return None
    candidates = [_published(tree, site.selectors), *known_dates]
    day = next((d for d in (_local_day(raw, site) for raw in candidates) if d), None)
    if day is None:
        for layout in site.layouts:
            own_day = _local_day(_published(tree, layout.own_selectors), site)
            if own_day and layout.covers(own_day):
                return layout
    elif any(layout.covers(day) for layout in site.layouts):
        return next(layout for layout in site.layouts if layout.covers(day))
    return next((layout for layout in site.layouts if matches(tree, layout)), None)


def matches(tree: etree._Element, layout: Layout) -> bool:
    """Every content selector the layout itself defines finds something in the page."""
    own = {k: v for k, v in layout.own_selectors.items() if k not in _NOT_CONTENT}
    if not own:
        return False
    found = selectors.extract(tree, own)
    return all(found.get(k) for k in own)


def _published(tree: etree._Element, sels: dict[str, tuple[str, ...]]) -> str | None:
    if "published" not in sels:
        return None
    return selectors.extract(tree, {"published": sels["published"]}).get("published")


def _local_day(raw: str | None, site: SiteConfig) -> date | None:
    when = parse_date(raw, site.timezone) if raw else None
    return when.astimezone(site.tz).date() if when else None
