"""`rasd --help` and the query commands start without the crawl machinery (issue 13, 12).

Behavioural, not timed: ``python -X importtime`` lists every module the process imported,
and none of the heavy crawl/extraction libraries may be among them. The start-up time
itself is measured by bench (bench/RESULTS.md, "CLI start-up")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

HEAVY = ("scrapy", "twisted", "trafilatura", "datasketch", "scipy")


def imported_modules(*args: str, env: dict[str, str] | None = None) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "crawler.cli", *args], capture_output=True,
        text=True, cwd=ROOT, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    names = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:") and "|" in line}
    assert "crawler.cli.main" in names  # the listing really is of this run
    return names


def heavy(names: set[str]) -> list[str]:
    return sorted(n for n in names if n.split(".")[0] in HEAVY)


def test_help_imports_no_crawl_machinery() -> None:
    assert heavy(imported_modules("--help")) == []


@pytest.mark.parametrize("command", [("articles",), ("articles", "--format", "json"), ("runs",),
                                     ("status",), ("export",), ("sites",), ("spool",), ("crawl", "--help")])
def test_query_commands_import_no_crawl_machinery(command: tuple[str, ...], rasd_env: dict[str, str]) -> None:
    assert heavy(imported_modules(*command, env=rasd_env)) == []
