"""Versioned layouts: config validation and choosing the layout that fits a page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crawler.config import ConfigError, SiteConfig, load_site_file
from crawler.extract import extract_article

SITE = """
name = "paper"
feeds = ["https://paper.example/rss"]
timezone = "Africa/Cairo"
[selectors]
title = "h1"
"""
NEW = """
[[layouts]]
name = "2023"
since = 2023-01-01
[layouts.selectors]
body = "div.story > p.text"
"""
OLD = """
[[layouts]]
name = "classic"
until = 2023-01-01
[layouts.selectors]
body = "#body > p"
"""


def _page(year_meta: str | None, new_markup: bool) -> str:
    meta = f'<meta property="article:published_time" content="{year_meta}">' if year_meta else ""
    if new_markup:
        body = '<div class="story"><p class="text">نص التصميم الجديد للمقال هنا.</p><p>إعلان</p></div>'
    else:
        body = '<div id="body"><p>نص التصميم القديم للمقال هنا.</p></div>'
    return f"<html><head>{meta}</head><body><h1>عنوان الخبر الرئيسي</h1>{body}</body></html>"


@pytest.fixture
def site(tmp_path: Path) -> SiteConfig:
    path = tmp_path / "paper.toml"
    path.write_text(SITE + NEW + OLD, encoding="utf-8")
    return load_site_file(path)


def test_layouts_load_with_dates_and_shared_selectors(site: SiteConfig) -> None:
    new, old = site.layouts
    assert (new.name, new.since, new.until) == ("2023", date(2023, 1, 1), None)
    assert (old.name, old.since, old.until) == ("classic", None, date(2023, 1, 1))
    assert new.selectors == {"title": ("h1",), "body": ("div.story > p.text",)}
    assert old.own_selectors == {"body": ("#body > p",)}


def test_publication_date_chooses_the_layout(site: SiteConfig) -> None:
    old = extract_article(_page("2020-08-24T09:00:00Z", new_markup=False), "https://paper.example/a", site)
    new = extract_article(_page("2024-05-13T09:00:00Z", new_markup=True), "https://paper.example/b", site)
    assert (old["layout"], old["body"], old["extraction"]["body"]) == (
        "classic", "نص التصميم القديم للمقال هنا.", "selectors")
    assert (new["layout"], new["body"]) == ("2023", "نص التصميم الجديد للمقال هنا.")
    assert new["title"] == "عنوان الخبر الرئيسي"  # shared selector applies to every layout


def test_date_wins_over_markup(site: SiteConfig) -> None:
    """A 2020 page is parsed with the 2020 layout even if the new selectors would match too."""
    art = extract_article(_page("2020-08-24T09:00:00Z", new_markup=True), "https://paper.example/c", site)
    assert art["layout"] == "classic"
    assert art["extraction"]["body"] != "selectors"  # old selectors find nothing; generic layers read it


def test_without_a_date_the_first_matching_layout_is_used(site: SiteConfig) -> None:
    assert extract_article(_page(None, new_markup=False), "https://paper.example/d", site)["layout"] == "classic"
    assert extract_article(_page(None, new_markup=True), "https://paper.example/e", site)["layout"] == "2023"


def test_no_fitting_layout_falls_back_to_shared_selectors(tmp_path: Path) -> None:
    path = tmp_path / "paper.toml"
    path.write_text(SITE + OLD, encoding="utf-8")
    art = extract_article(_page("2024-05-13T09:00:00Z", new_markup=True), "https://paper.example/f",
                          load_site_file(path))
    assert "layout" not in art
    assert art["title"] == "عنوان الخبر الرئيسي"


def test_the_layout_date_is_the_local_day(tmp_path: Path) -> None:
    """23:30Z on 31 Dec is already 1 Jan in Cairo: the page belongs to the new layout."""
    path = tmp_path / "paper.toml"
    path.write_text(SITE + NEW + OLD, encoding="utf-8")
    art = extract_article(_page("2022-12-31T23:30:00Z", new_markup=True), "https://paper.example/g",
                          load_site_file(path))
    assert art["layout"] == "2023"


@pytest.mark.parametrize(("layouts", "key", "reason"), [
    ('[[layouts]]\nname = "x"\nsince = "May 2024"\n[layouts.selectors]\nbody = "p"\n',
     "layouts[0].since", "must be a date"),
    ('[[layouts]]\nname = "x"\nsince = 2024-01-01\nuntil = 2023-01-01\n[layouts.selectors]\nbody = "p"\n',
     "layouts[0].until", "must be after since"),
    ('[[layouts]]\nname = "x"\n[layouts.selectors]\nbody = "p"\n'
     '[[layouts]]\nname = "x"\n[layouts.selectors]\nbody = "div"\n', "layouts[1].name", "duplicate"),
    ('[[layouts]]\nname = "x"\nfrom = 2020-01-01\n[layouts.selectors]\nbody = "p"\n',
     "layouts[0].from", "unknown key"),
    ('[[layouts]]\nname = "x"\n', "layouts[0].selectors", "at least one selector"),
    ('[[layouts]]\nname = "x"\n[layouts.selectors]\nbody = "p[["\n', "layouts[0].selectors.body",
     "invalid selector"),
    ('layouts = "2024"\n', "layouts", "array of tables"),
])
def test_bad_layouts_name_file_key_and_reason(tmp_path: Path, layouts: str, key: str, reason: str) -> None:
    path = tmp_path / "paper.toml"
    head, _, selectors = SITE.partition("[selectors]")
    path.write_text(head + layouts + "[selectors]" + selectors, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_site_file(path)
    assert err.value.key == key
    assert reason in err.value.reason
    assert str(path) in str(err.value)


@pytest.mark.parametrize(("page", "layout"), [("youm7_1.html", "classic"), ("youm7_2.html", "2023"),
                                              ("youm7_3.html", "2023")])
def test_youm7_pages_find_their_layout_by_markup_when_undated(page: str, layout: str) -> None:
    """Youm7's 2020 and 2024 saved pages, with every date removed, still get their layout."""
    import re

    from crawler.config import load_sites
    from tests.conftest import shared_path

    html = shared_path("corpus", "arabic", page).read_text(encoding="utf-8")
    undated = re.sub(r'<meta property="(article:\w+_time|og:updated_time)"[^>]*>', "", html)
    undated = re.sub(r'<span class="newsStoryDate">[^<]*</span>', "", undated)
    site = load_sites()["youm7"]
    art = extract_article(undated, "https://www.youm7.com/story/x/1", site)
    assert "published" not in art
    assert art["layout"] == layout
    assert art["extraction"]["body"] == "selectors"
