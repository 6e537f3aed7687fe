"""The hand-written fixture pages (tests/fixtures/pages): one per layout family, each with
the URL it is parsed under and its expected output in NAME.json — the Fundus way."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.offline import parse_page

PAGES = Path(__file__).parent / "fixtures" / "pages"
# Relative dates on the pages ("منذ ساعتين") count back from this fetch time.
FETCHED_AT = datetime(2024, 4, 25, 12, 0, tzinfo=UTC)
# What the expected JSON pins down: every stored field except bookkeeping.
COMPARED = ("url", "title", "published", "modified", "authors", "source", "tags", "summary",
            "section", "image", "language", "body", "read_also", "extraction", "tags_norm")


def names() -> list[str]:
    return sorted(p.stem for p in PAGES.glob("*.html"))


def expected(name: str) -> dict[str, Any]:
    return json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))


def parse_fixture(name: str) -> dict[str, Any]:
    spec = expected(name)
    out = parse_page((PAGES / f"{name}.html").read_bytes(), spec["input_url"], None, {}, FETCHED_AT)
    return {key: out.get(key) for key in COMPARED}


def regenerate(name: str) -> None:
    """Rewrite NAME.json from the current parser (review the diff by eye before committing)."""
    spec = expected(name)
    spec["expected"] = parse_fixture(name)
    (PAGES / f"{name}.json").write_text(json.dumps(spec, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
