"""Stats keys are named once, in crawler/stats.py: a bare ``"rasd/..."`` key anywhere else
could not be found by grepping for its name, and a reader could drift from its writer."""

from __future__ import annotations

import re
from pathlib import Path

from crawler import stats
from crawler.ops.runs import stats_fields
from crawler.stats import ARTICLES_NEW, DISCOVERED, ERRORS, articles, discovered, errors, family

ROOT = Path(__file__).resolve().parent.parent
_BARE_KEY = re.compile(r"""["']rasd/[a-z_]""")


def test_no_stats_key_is_spelt_outside_the_stats_module() -> None:
    sources = [p for d in ("crawler", "pipelines", "bench") for p in (ROOT / d).rglob("*.py")]
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sources if p != ROOT / "crawler" / "stats.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if _BARE_KEY.search(line)]
    assert offenders == []


def test_every_reason_is_its_own_path_segment() -> None:
    assert ARTICLES_NEW == articles("new") == "rasd/articles/new"
    assert errors("crash/pipeline") == "rasd/errors/crash/pipeline"
    counted = {ERRORS: 3, errors("http_404"): 2, errors("timeout"): 1, stats.ERROR_SAMPLES: ["x"],
               discovered("new"): 5, articles("new"): 4, articles("updated"): 1}
    assert family(counted, ERRORS) == {"http_404": 2, "timeout": 1}
    assert family(counted, DISCOVERED) == {"new": 5}
    record = stats_fields(counted)
    assert record["articles"]["new"] == 4 and record["articles"]["updated"] == 1
    assert record["errors"] == {"http_404": 2, "timeout": 1} and record["error_count"] == 3
