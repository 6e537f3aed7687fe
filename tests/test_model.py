"""The article model is the one definition of each field: the Scrapy items and every
field-name list elsewhere are derived from the flags in crawler/model.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler import config, extract
from crawler.cli import sitecheck
from crawler.config import ConfigError, load_site_file
from crawler.extract import selectors
from crawler.items import Article, RawPage
from crawler.model import ARTICLE, FLAGS, RAW_PAGE, _f, fields_with
from crawler.storage import query
from pipelines import parse, store


def test_derived_lists_are_the_models() -> None:
    assert list(Article.fields) == list(ARTICLE) and list(RawPage.fields) == list(RAW_PAGE)
    assert Article.fields["published_raw"]["transient"] is True
    assert config.SELECTOR_FIELDS == {*fields_with("selector"), "remove"}
    assert extract.FIELDS == fields_with("layered")
    assert parse._CARRIED == fields_with("carried")
    assert store.TRANSIENT == fields_with("transient", RAW_PAGE, ARTICLE)
    assert query.PUBLIC_FIELDS == fields_with("public")
    assert query._LIST_FIELDS == set(fields_with("listed"))
    assert selectors._LIST_FIELDS == set(fields_with("listed"))
    assert sitecheck._SHOWN == fields_with("shown")
    assert fields_with("required") == ("title", "body")  # parse failures, read by site health


def test_derived_lists_keep_the_shapes_users_see() -> None:
    """The public JSON keys and their order (export columns) are what they were before the
    lists were derived; extraction picks the title first."""
    assert query.PUBLIC_FIELDS == (
        "url", "site", "title", "published", "modified", "authors", "source", "tags", "summary",
        "section", "image", "language", "body", "read_also", "first_seen", "last_seen", "version",
        "duplicate_of", "cluster_id",
    )
    assert extract.FIELDS[0] == "title"
    assert set(store.TRANSIENT) == {"html", "hints", "published_raw", "modified_raw", "depth"}
    assert config.SELECTOR_FIELDS == {
        "title", "body", "published", "modified", "authors", "tags", "source", "summary",
        "section", "image", "read_also", "remove",
    }
    assert parse._CARRIED == ("url", "final_url", "site", "status", "fetched_at", "headers", "depth", "hints")


def test_a_new_flagged_field_joins_every_derived_list() -> None:
    wider = {**ARTICLE, "byline": _f(selector=True, public=True, listed=True)}
    assert fields_with("public", wider)[-1] == "byline"
    assert "byline" in fields_with("selector", wider) and "byline" in fields_with("listed", wider)
    assert "byline" not in fields_with("public") and "byline" not in fields_with("transient", wider)


def test_a_misspelt_flag_is_refused() -> None:
    with pytest.raises(TypeError, match="publik"):
        _f(publik=True)
    with pytest.raises(KeyError, match="publik"):
        fields_with("publik")
    assert set(FLAGS) >= {"selector", "transient", "public", "shown", "listed"}


def test_the_model_drives_behaviour(tmp_path: Path) -> None:
    """Transient fields are never stored, public lists read back as [], a site config may
    select exactly the selector fields."""
    doc = store.to_document(Article(url="https://example.com/a", title="عنوان", depth=2, hints={"x": 1},
                                    published_raw="١ يناير", modified_raw=None))
    assert doc == {"url": "https://example.com/a", "title": "عنوان", "duplicate_of": None}
    shown = query.public({"url": "https://example.com/a"})
    assert list(shown) == list(fields_with("public"))
    assert all(shown[k] == [] for k in fields_with("listed") if k in shown)
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nfeeds = ["https://example.com/rss"]\n[selectors]\nbyline = "p.by"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_site_file(path)
    assert "byline" in str(err.value) and ", ".join(sorted(config.SELECTOR_FIELDS)) in str(err.value)
