"""What the query commands tell a user (issue 13, points 9 and 10): an empty store, a
listing cut by --limit, counting, and Arabic URLs shown as people read them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import FAST, run_rasd, stored, write_site
from tests.localsite import NewsSite, SiteServer


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NewsSite, dict[str, str]]]:
    """One crawl of the local Arabic site (Arabic slugs in every article URL) for the module."""
    tmp = tmp_path_factory.mktemp("cli-output")
    env = {"RASD_DB": str(tmp / "rasd.db"), "RASD_SITES": str(tmp / "sites")}
    site = NewsSite(n=12, per_page=5)
    with SiteServer(site) as server:
        write_site(Path(env["RASD_SITES"]), "watan", server.url)
        run_rasd("crawl", "watan", *FAST, env=env, check=True)
        yield site, env


def test_empty_store_says_so_and_what_to_run(rasd_env: dict[str, str]) -> None:
    proc = run_rasd("articles", env=rasd_env, check=True)
    assert proc.stdout == ""  # no table of bare headers
    assert "no articles stored yet" in proc.stderr and "rasd crawl" in proc.stderr
    assert run_rasd("articles", "--count", env=rasd_env, check=True).stdout.strip() == "0"
    assert json.loads(run_rasd("articles", "--format", "json", env=rasd_env, check=True).stdout) == []


@pytest.mark.slow
def test_a_cut_listing_says_how_many_and_how_to_see_more(crawled) -> None:
    site, env = crawled
    total = len(stored(env))
    assert total == len(site.stories)
    proc = run_rasd("articles", "--limit", "5", env=env, check=True)
    assert len(proc.stdout.strip().splitlines()) == 2 + 5  # headers, rule, five rows
    assert f"showing 5 of {total}" in proc.stderr and "--limit 0" in proc.stderr
    whole = run_rasd("articles", "--limit", "0", env=env, check=True)
    assert "showing" not in whole.stderr and len(whole.stdout.strip().splitlines()) == 2 + total

    assert run_rasd("articles", "--count", env=env, check=True).stdout.strip() == str(total)
    place = "موسكو"  # in every sixth story's text
    expected = sum(1 for s in site.stories.values() if place in " ".join(s.paragraphs) + s.title)
    assert run_rasd("articles", "--count", "--search", place, env=env, check=True).stdout.strip() == str(expected)

    none = run_rasd("articles", "--search", "لا يوجد هذا النص أبدا", env=env, check=True)
    assert none.stdout == "" and f"none of the {total} stored articles match" in none.stderr


@pytest.mark.slow
def test_arabic_urls_read_as_iris_and_json_keeps_the_stored_form(crawled) -> None:
    site, env = crawled
    story = site.stories[2]
    slug = "-".join(story.title.split()[:5])
    encoded = f"/news/2/{quote(slug, safe=':')}"  # canonical form keeps ":"
    table = run_rasd("articles", "--limit", "0", env=env, check=True).stdout
    assert "%D8" not in table and f"/news/2/{slug}" in table

    data = json.loads(run_rasd("articles", "--limit", "0", "--format", "json", env=env, check=True).stdout)
    url = next(a["url"] for a in data if "/news/2/" in a["url"])
    assert url.endswith(encoded)  # the stored, percent-encoded form

    iri = url.split("/news/")[0] + f"/news/2/{slug}"
    by_iri = run_rasd("article", iri, env=env, check=True).stdout
    by_uri = run_rasd("article", url, env=env, check=True).stdout
    assert by_iri == by_uri and story.title in by_iri
    assert "%D8" not in by_iri  # its own URL and its read-also links
    assert json.loads(run_rasd("article", iri, "--format", "json", env=env, check=True).stdout)["url"] == url


def test_display_url_round_trips_to_the_stored_form() -> None:
    from crawler.urls import canonical_url, display_url, url_from_input

    stored_form = "https://xn--mgbh0fb.xn--kgbechtv/news/%D8%B1%D9%88%D8%B3%D9%8A%D8%A7%20x?q=%D8%B3&p=%2F"
    shown = display_url(stored_form)
    assert shown == "https://مثال.إختبار/news/روسيا%20x?q=س&p=%2F"
    assert canonical_url(url_from_input(shown)) == canonical_url(stored_form)
    # A bidi mark or broken UTF-8 stays encoded: what is shown still names the same URL.
    assert display_url("http://h/%E2%80%8F%D8%A7") == "http://h/%E2%80%8F%D8%A7"
    assert display_url("http://h/%D8x") == "http://h/%D8x"
