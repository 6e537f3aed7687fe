"""Field extraction from an article page, in layers from most to least trusted.

site selectors → JSON-LD → meta tags → page heuristics → trafilatura (body). The first
layer whose value passes the field's checks wins, and ``extraction`` records which one did,
so a broken site shows up as fields suddenly coming from a weaker layer.

Checks are what a reader would object to: a title that is the ``<title>`` with the site's
name, an author that is a Facebook URL or the site itself, a summary that is the site's
slogan, keywords that are the title cut into words, a date nobody can read. The title is the
visible headline whenever the page shows one that the metadata confirms.

The HTML is parsed once; every layer, the read-also finder and trafilatura share the tree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawler.arabic import normalise
from crawler.config import SiteConfig
from crawler.controls import strip_html_controls
from crawler.dates import parse_date, without_zone
from crawler.extract import (
    attribution,
    body,
    heuristics,
    jsonld,
    layouts,
    meta,
    names,
    readalso,
    selectors,
    textutil,
    verdict,
)
from crawler.extract.textutil import clean, one_line
from crawler.model import fields_with
from crawler.urls import join_url

FIELDS = fields_with("layered")  # title first: it is chosen apart, see below
_GENERIC = {normalise(w) for w in (
    "news", "أخبار", "اخبار", "الرئيسية", "home", "featured", "uncategorized", "عاجل", "article",
    "articles", "main", "مقالات", "غير مصنف",
)}


def _parser() -> etree.HTMLParser:
    """lxml.html's parser picks each element's class in Python (forms, inputs…), which
    costs more than all our layers together; a C-level lookup giving every element
    HtmlElement keeps what trafilatura needs (it takes only HtmlElement trees)."""
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(element=lxml_html.HtmlElement))
    return parser


_LOCAL = threading.local()  # lxml parsers must not be shared between threads


def parse_html(html: str) -> lxml_html.HtmlElement:
    """A tolerant parse: malformed and truncated pages still give a tree."""
    parser = getattr(_LOCAL, "parser", None) or _parser()
    _LOCAL.parser = parser
    html = strip_html_controls(html)  # one &#11; makes trafilatura drop the whole body
    if not html or not html.strip():
        html = "<html><body></body></html>"
    tree = etree.fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    if tree is None:  # only comments or whitespace
        tree = etree.fromstring(b"<html><body></body></html>", parser=parser)
    return tree


class _Context:
    """What the checks compare against: the page's host, site name and headline."""

    def __init__(self, url: str, site_names: list[str], title: str = "") -> None:
        self.host_words = {w for w in (urlsplit(url).hostname or "").lower().split(".") if len(w) > 2}
        self.site_keys = {normalise(n) for n in site_names if n}
        self.title_key = normalise(title)

    def is_site(self, text: str) -> bool:
        key = normalise(text)
        compact = key.replace(" ", "")
        return bool(key) and (key in self.site_keys or compact in self.host_words
                              or any(compact == w.replace("-", "") for w in self.host_words))


def _valid_authors(values: list[str], ctx: _Context) -> list[str]:
    out = []
    for value in values:
        name = one_line(value)
        if (m := heuristics.BYLINE.match(name)) is not None:
            name = m.group("name").strip()
        name = name.strip(" ()-–—|،,")
        if (not name or len(name) > 80 or "://" in name or name.startswith(("www.", "@"))
                or ctx.is_site(name)):
            continue
        out += [n for n in names.split_names(name) if not ctx.is_site(n)]
    return out


def _valid_keywords(values: list[str], ctx: _Context) -> list[str]:
    """The generic keywords meta: a site-wide word list ("news, lbci, أخبار") is no tags."""
    if any(normalise(v) in _GENERIC or ctx.is_site(v) for v in values):
        return []
    return _valid_tags(values, ctx)


def _valid_tags(values: list[str], ctx: _Context) -> list[str]:
    tags = [one_line(v).strip(" #،,") for v in values]
    tags = [t for t in tags if t and len(t) <= 60 and normalise(t) not in _GENERIC and not ctx.is_site(t)]
    if not tags or (ctx.title_key and normalise(" ".join(tags)) == ctx.title_key):
        return []
    title_words = set(ctx.title_key.split())
    if len(tags) >= 3 and all(" " not in t and normalise(t) in title_words for t in tags):
        return []  # the keywords meta is the headline split into words
    return tags


def _valid_summary(value: str, ctx: _Context) -> str:
    key = normalise(value)
    if len(key.split()) < 6 or key == ctx.title_key or key in ctx.site_keys:
        return ""
    return value


def _valid_date(value: str, _ctx: _Context) -> str:
    return value if parse_date(value) is not None else ""


def _valid_text(value: str, ctx: _Context) -> str:
    value = one_line(value)
    return "" if normalise(value) in _GENERIC or ctx.is_site(value) else value


def _valid_image(value: str, _ctx: _Context) -> str:
    value = (value or "").strip()
    return "" if not value or value.startswith("data:") or "#" in value else value


_CHECKS: dict[str, Callable[[Any, _Context], Any]] = {
    "published": _valid_date, "modified": _valid_date, "authors": _valid_authors,
    "tags": _valid_tags, "summary": _valid_summary, "section": _valid_text, "source": _valid_text,
    "image": _valid_image,
}


def _site_names(layers: list[tuple[str, dict[str, Any]]], title: str, known: list[str]) -> list[str]:
    """The site's names: its config title, og:site_name and the like, and what the metadata
    titles add around the headline ("المدينة نيوز - <headline>") — so that bylines and
    summaries naming only the site go."""
    names = list(known)
    for layer, values in layers:
        raw = one_line(values.get("title", "")) if layer in ("jsonld", "meta") else ""
        if title and raw != title and title in raw:
            names += [part.strip(" -|–—:»") for part in raw.split(title) if len(part.strip(" -|–—:»")) > 2]
    return names


def _title(layers: list[tuple[str, dict[str, Any]]], headlines: list[str], site_name: str
           ) -> tuple[str, str]:
    """(title, layer): the visible headline that a metadata title confirms, else the first
    metadata title with the site's name cut off, else the first headline."""
    for layer, values in layers:
        if layer == "selectors" and values.get("title"):
            return one_line(values["title"]), layer
    meta_titles = [(layer, meta.strip_site_name(values["title"], site_name))
                   for layer, values in layers if layer in ("jsonld", "meta") and values.get("title")]
    for headline in headlines:
        key = normalise(headline)
        if any(key in normalise(t) or normalise(t) in key for _, t in meta_titles):
            return headline, "heuristics"
    if meta_titles:
        return meta_titles[0][1], meta_titles[0][0]
    return (headlines[0], "heuristics") if headlines else ("", "")


def _one_clock_for_the_family(article: dict[str, Any], sources: dict[str, str],
                              layers: dict[str, dict[str, Any]], tz: str) -> None:
    """Metadata whose times are the site's wall clock with a wrong zone (youm7's
    ``article:published_time`` says 06:00Z for a story printed "06:00 ص", Cairo time): when
    the printed publication date won and the metadata's own says the same clock reading in
    another zone, every date of that metadata family (``modified`` too) is read as the
    site's wall clock — one correction for the family, not one per field."""
    family = sources.get("modified")
    if family not in ("jsonld", "meta") or sources.get("published") in (family, None):
        return
    claimed, printed = layers[family].get("published"), parse_date(article["published"], tz)
    local = parse_date(without_zone(claimed), tz)
    if printed is None or local is None or parse_date(claimed, tz) == local:
        return  # not the family's clock, or its zone is right
    if abs((local - printed).total_seconds()) < 60 and (clock := without_zone(article["modified"])):
        article["modified"] = clock


def extract_article(html: str, url: str, site: SiteConfig | None = None) -> dict[str, Any]:
    """All fields of one page as published (raw date strings; later stages parse them), and
    ``not_article``: (error kind, why) when the page is no article (see verdict), else None."""
    tree = parse_html(html)
    ld = jsonld.extract(tree)  # before scripts go: JSON-LD lives in <script>
    etree.strip_elements(tree, "script", "style", "noscript", "template", with_tail=False)
    metas = meta.extract(tree)
    layout = layouts.choose(tree, site, (ld.get("published"), metas.get("published")))
    site_selectors = layout.selectors if layout else (site.selectors if site else {})
    page = textutil.scan(tree)
    seen = heuristics.extract(tree, page)
    layers = [
        ("selectors", selectors.extract(tree, site_selectors)),
        ("jsonld", ld),
        ("meta", metas),
        ("heuristics", seen),
    ]
    site_name = metas.get("site_name", "")
    article: dict[str, Any] = {}
    sources: dict[str, str] = {}
    title, layer = _title(layers, seen["headlines"], site_name)
    if title:
        article["title"], sources["title"] = title, layer
    known = [*metas.get("site_names", []), *((site.title, site.name) if site else ())]
    ctx = _Context(url, _site_names(layers, title, known), title)
    weak = [("meta", {"tags": _valid_keywords(metas.get("keywords", []), ctx)})]
    for field in FIELDS[1:]:
        check = _CHECKS.get(field, lambda v, _c: v)
        for layer, values in layers + weak:
            value = values.get(field)
            if value and (layer == "selectors" or (value := check(value, ctx))):
                article[field], sources[field] = value, layer
                break

    _one_clock_for_the_family(article, sources, dict(layers), site.timezone if site else "UTC")
    if "image" in article and not (image := join_url(url, article["image"])):
        del article["image"], sources["image"]
    elif "image" in article:
        article["image"] = image
    linked = verdict.link_texts(tree)
    links = readalso.extract(tree, url, site_selectors.get("read_also", ()), page)
    if site_selectors.get("remove"):
        body.remove(tree, site_selectors["remove"])
    text, layer = layers[0][1].get("body", ""), "selectors"
    if not text:
        joiners = "\u200c" in html or "\u200d" in html
        text, layer = body.extract(tree, url, joiners, page.boxes), "trafilatura"
        ld_body = clean(ld.get("body", ""))
        if len(ld_body.split()) > max(50, 2 * len(text.split())):
            text, layer = ld_body, "jsonld"  # trafilatura missed the article; its JSON-LD has it
    if text:
        text, bylines = body.tidy(text, [title, *seen["headlines"]])
        text, agency = attribution.take(text, ctx.site_keys)
        if agency and "source" not in article:
            article["source"], sources["source"] = agency, "body"
        if text:
            article["body"], sources["body"] = text, layer
        if "authors" not in article and (bylined := _valid_authors(bylines, ctx)):
            article["authors"], sources["authors"] = bylined, "heuristics"
        if "summary" not in article and text and (lead := _valid_summary(text.split("\n\n")[0], ctx)) \
                and len(lead) <= 500:
            article["summary"], sources["summary"] = lead, "body"  # the lead paragraph
    article["read_also"] = links
    article["canonical"] = meta.canonical(tree, url)
    article["not_article"] = verdict.not_article(article.get("title", ""), article.get("body", ""), linked)
    article["extraction"] = sources
    if layout:
        article["layout"] = layout.name
    return article
