"""The article model is the one definition of each field: every field-name list elsewhere
is derived from the flags on crawler/items.py's declarations."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler import config, extract
from crawler.cli import sitecheck
from crawler.config import ConfigError, load_site_file
from crawler.extract import selectors
from crawler.items import FLAGS, Article, RawPage, _field, fields_with
from crawler.storage import query
from pipelines import parse, store


def test_derived_lists_are_the_models() -> None:
    assert config.SELECTOR_FIELDS == {*fields_with("selector"), "remove"}
    assert extract.FIELDS == fields_with("layered")
    assert parse._CARRIED == fields_with("carried")
    assert store.TRANSIENT == fields_with("transient", RawPage, Article)
    assert query.PUBLIC_FIELDS == fields_with("public")
    assert query._LIST_FIELDS == set(fields_with("listed"))
    assert selectors._LIST_FIELDS == set(fields_with("listed"))
    assert sitecheck._SHOWN == fields_with("shown")


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
    class Wider(Article):
        byline = _field(selector=True, public=True, listed=True, transient=False)

    assert fields_with("public", Wider)[-1] == "byline"
    assert "byline" in fields_with("selector", Wider) and "byline" in fields_with("listed", Wider)
    assert "byline" not in fields_with("public") and "byline" not in fields_with("transient", Wider)


def test_a_misspelt_flag_is_refused() -> None:
    with pytest.raises(TypeError, match="publik"):
        _field(publik=True)
    with pytest.raises(KeyError, match="publik"):
        fields_with("publik")
    assert set(FLAGS) >= {"selector", "transient", "public", "shown", "listed"}


def test_the_model_drives_behaviour(tmp_path: Path) -> None:
    """Transient fields are never stored, public lists read back as [], and a site config may
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
