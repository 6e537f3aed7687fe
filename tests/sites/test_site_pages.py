"""Each built-in site proven on a real saved page, Fundus-style.

The pages live in ../shared/corpus/arabic (read at test time, never copied here); what a
reader of each page sees — title, date, byline, tags, read-also links, where the text starts
and ends — is written down in expected/<page>.json, checked by eye against the page and the
corpus ground truth. Every field is its own test case so a site that breaks shows exactly
which field did.

``known_gaps`` in an expected file names fields the crawler still gets wrong, with the reason;
they are strict xfails, so fixing the gap fails the test until the marker is removed.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crawler.config import load_sites
from crawler.model import fields_with
from pipelines.offline import parse_page
from tests.conftest import shared_path

EXPECTED = sorted((Path(__file__).parent / "expected").glob("*.json"))
# The body is checked by its first and last paragraph.
FIELDS = tuple(f for name in fields_with("expected")
               for f in (("body_first", "body_last") if name == "body" else (name,)))
OPTIONAL = ("modified", "source", "layout")  # checked where the expected file gives them
_SPACE = re.compile(r"\s+")


def _expected(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _cases() -> list[Any]:
    cases = []
    for path in EXPECTED:
        exp = _expected(path)
        for field in FIELDS:
            if field in OPTIONAL and field not in exp:
                continue
            marks = []
            if field in exp.get("known_gaps", {}):
                marks.append(pytest.mark.xfail(strict=True, reason=exp["known_gaps"][field]))
            cases.append(pytest.param(path.stem, field, id=f"{path.stem}-{field}", marks=marks))
    return cases


@cache
def _parsed(stem: str) -> dict[str, Any]:
    exp = _expected(Path(__file__).parent / "expected" / f"{stem}.json")
    data = shared_path("corpus", "arabic", exp["file"]).read_bytes()
    if exp["file"].endswith(".gz"):
        data = gzip.decompress(data)
    sites = load_sites()
    return parse_page(data, exp["url"], sites[exp["site"]], sites)


def _squeeze(text: str) -> str:
    """Whitespace-insensitive form: spacing is layout, not content."""
    return _SPACE.sub("", text)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@pytest.mark.parametrize(("stem", "field"), _cases())
def test_saved_page(stem: str, field: str) -> None:
    exp = _expected(Path(__file__).parent / "expected" / f"{stem}.json")
    got = _parsed(stem)
    if field in ("published", "modified"):
        assert _when(got[field]) == _when(exp[field])
    elif field == "read_also":
        assert [link["url"] for link in got["read_also"]] == exp["read_also"]
    elif field == "body_first":
        assert _squeeze(got["body"]).startswith(_squeeze(exp["body_first"]))
    elif field == "body_last":
        assert _squeeze(got["body"]).endswith(_squeeze(exp["body_last"]))
    else:
        assert got.get(field) == exp[field]


def _truth(path: Path) -> dict[str, Any]:
    truth = json.loads(shared_path("corpus", "arabic", "ground-truth.json").read_text(encoding="utf-8"))
    return truth.get(_expected(path)["file"], {})


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_expected_date_agrees_with_corpus_ground_truth(path: Path) -> None:
    """The expected date is the corpus' independent answer: the same instant when the ground
    truth has a time, else the same calendar day in the site's own time zone."""
    exp, date = _expected(path), _truth(path).get("date")
    if not date:
        pytest.skip(f"no ground-truth date for {exp['file']}")
    published = _when(exp["published"])
    if len(date) > 10:
        assert published == datetime.fromisoformat(date.replace("Z", "+00:00"))
    else:
        assert published.astimezone(load_sites()[exp["site"]].tz).date().isoformat() == date


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_body_matches_corpus_ground_truth_text(path: Path) -> None:
    """Where the corpus has the article text as plain text, the whole body must be it."""
    truth = _truth(path)
    if truth.get("body_format") != "text" and not str(truth.get("body_format", "")).startswith("text (fundus"):
        pytest.skip("no plain-text ground-truth body for this page")
    assert _squeeze(_parsed(path.stem)["body"]) == _squeeze(truth["body"])


def _sources() -> list[dict[str, str]]:
    with shared_path("corpus", "arabic", "SOURCES.tsv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_expected_title_agrees_with_corpus_ground_truth(path: Path) -> None:
    """Same headline as the corpus' reference (quote marks aside: Fundus takes og:title, which
    drops the quotes LBCI prints in its <h1>)."""
    title = _truth(path).get("title")
    if not title:
        pytest.skip("no ground-truth title for this page")
    assert _squeeze(_expected(path)["title"]).replace('"', "") == _squeeze(title).replace('"', "")


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_body_paragraphs_are_in_ground_truth_text(path: Path) -> None:
    """Reference texts that keep some page noise (magic-html) or are HTML (Readability):
    every paragraph we extract must be part of the reference, and its first and last ones too."""
    truth = _truth(path)
    if "body" in truth:
        reference = truth["body"]
    elif truth.get("body_file"):
        from lxml import html as lxml_html

        reference = lxml_html.fromstring(
            shared_path("corpus", "arabic", truth["body_file"]).read_text(encoding="utf-8")).text_content()
    else:
        pytest.skip("no ground-truth body for this page")
    reference = _squeeze(reference)
    for paragraph in _parsed(path.stem)["body"].split("\n\n"):
        assert _squeeze(paragraph) in reference, paragraph[:80]


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_read_also_presence_agrees_with_corpus_notes(path: Path) -> None:
    """SOURCES.tsv says which pages carry a read-also block; the expected links agree."""
    row = next(r for r in _sources() if r["file"] == _expected(path)["file"])
    assert bool(_expected(path)["read_also"]) == (row["read_also"] == "yes"), row["read_also_label"]


def test_every_saved_page_has_a_site_and_an_expected_file() -> None:
    rows = _sources()
    sites = load_sites()
    covered = {_expected(p)["file"] for p in EXPECTED}
    for row in rows:
        owner = [s.name for s in sites.values() if s.owns(row["url"])]
        assert owner, f"no built-in site owns {row['url']}"
        assert sites[owner[0]].is_article_url(row["url"]), f"{owner[0]} article_urls miss {row['url']}"
        assert row["file"] in covered, f"no expected file for {row['file']}"
