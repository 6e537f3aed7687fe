"""Is this page an article at all? The one judgement a crawl and ``rasd parse`` share.

A site's home page, a section listing or a page whose article the parser could not reach
(markup nested deeper than libxml2 follows) still gives trafilatura *some* text: listing
cards (linked headlines with their teasers) or the site menu. Stored, it would be an
"article" with no headline whose body is other articles' headlines. What gives it away is
what a reader sees: an article has a headline and running text of its own; a listing's
text is mostly the text of its links.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

# Share of the body's words that are link texts above which the body is a list of links.
# Measured: real articles (the 181 pages of the Zyte benchmark, the Arabic corpus) stay
# under 0.22 — inline "read also" headlines, tag lines; listing pages with teasers are
# around 0.4, menus 1.0. Without a headline, cards with long teasers count too.
LINKED_SHARE = 0.35
LINKED_SHARE_WITHOUT_HEADLINE = 0.15
MIN_LINKED_PARAGRAPHS = 3
# A paragraph of running text: a menu or a card's truncated teaser is shorter.
PROSE_WORDS = 15


_TEXT = etree.XPath("string()")


def link_texts(tree: etree._Element) -> set[str]:
    """The text of every link on the page, spaces collapsed (as :func:`_key` does)."""
    return {text for a in tree.iter("a") if (text := _key(_TEXT(a)))}


def _key(text: str) -> str:
    return " ".join(text.split())


def not_article(title: str, body: str, links: Iterable[str]) -> tuple[str, str] | None:
    """(error kind, why) when the page is not an article, else None.

    ``no_text``: nothing article-like at all. ``not_article``: text that is a listing or a
    menu — mostly link texts, or no headline and no paragraph of running text."""
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    if not paragraphs:
        return "no_text", "no article text found"
    linked = set(links)
    words = [len(p.split()) for p in paragraphs]
    is_link = [_key(p) in linked for p in paragraphs]
    linked_words = [n for n, link in zip(words, is_link, strict=True) if link]
    share = sum(linked_words) / max(1, sum(words))
    if len(linked_words) >= MIN_LINKED_PARAGRAPHS and \
            share >= (LINKED_SHARE if title else LINKED_SHARE_WITHOUT_HEADLINE):
        return "not_article", (f"its text is a list of links ({len(linked_words)} of "
                               f"{len(paragraphs)} paragraphs are link texts): a listing or menu page")
    if not title and not any(n >= PROSE_WORDS and not link for n, link in zip(words, is_link, strict=True)):
        return "not_article", "no headline and no paragraph of article text"
    return None
