"""Stage 1 — parse: a fetched page becomes an article with every field as published."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.arabic import script_language
from crawler.controls import clean_field
from crawler.extract import extract_article
from crawler.items import Article, RawPage
from crawler.model import fields_with
from crawler.stats import parse_failures
from crawler.urls import is_valid_url
from pipelines.base import Stage

_CARRIED = fields_with("carried")


# Fields shown on one line in listings and terminals: no control or bidi override character
# may reach them (JSON-LD's "\u001b" escapes decode to real ones after the page was cleaned).
_SHORT_FIELDS = ("title", "authors", "source", "tags", "section", "summary", "image",
                 "published_raw", "modified_raw", "read_also")


def _clean_short(value: Any) -> Any:
    if isinstance(value, str):
        return clean_field(value)
    if isinstance(value, list):
        return [_clean_short(v) for v in value]
    if isinstance(value, dict):  # a read-also link
        return {k: _clean_short(v) for k, v in value.items()}
    return value


class ParsePipeline(Stage):
    def process_item(self, item: RawPage) -> Article:
        raw = ItemAdapter(item)
        site = self.site(raw)
        fields = extract_article(raw["html"], raw.get("final_url") or raw["url"], site)
        article = Article({k: raw.get(k) for k in _CARRIED if raw.get(k) is not None})

        # The page's own canonical URL (how AMP variants and tracking links are unified);
        # every other URL it was reached under is kept as an alias, so it is not fetched again.
        canonical = fields.pop("canonical", None)
        rejected = fields.pop("not_article", None)
        reached = {article["url"]}
        if raw.get("final_url") and is_valid_url(raw["final_url"]):
            reached.add(self.canonical(raw, raw["final_url"]))
        if canonical and is_valid_url(canonical) and (site is None or site.owns(canonical)):
            article["url"] = self.canonical(raw, canonical)
        aliases = sorted(reached - {article["url"]})
        if aliases:
            article["aliases"] = aliases
        fields["published_raw"] = fields.pop("published", None)
        fields["modified_raw"] = fields.pop("modified", None)
        for key, value in fields.items():
            if key in _SHORT_FIELDS:
                value = _clean_short(value)
            if value not in (None, "", [], {}):
                article[key] = value
        article["language"] = script_language(
            " ".join(filter(None, (fields.get("title"), fields.get("body"))))
        ) or (site.language if site else "ar")

        for required in fields_with("required"):
            if not article.get(required):
                self.inc(parse_failures(required))
        if rejected:  # a listing, a menu, nothing: counted, never stored
            kind, why = rejected
            self.error(kind, f"{why} at {article['url']}")
            raise DropItem(f"{why} at {article['url']}")
        if not article.get("title"):
            article["title"] = ""
        return article
