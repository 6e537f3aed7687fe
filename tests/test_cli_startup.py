"""`rasd --help` and the query commands start without the crawl machinery (issue 13, 12).

Behavioural, not timed: ``python -X importtime`` lists every module the process imported,
and none of the heavy crawl/extraction libraries may be among them. The start-up time
itself is measured by bench (bench/RESULTS.md, "CLI start-up")."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

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


def test_declaring_every_commands_arguments_stays_light() -> None:
    """Each command declares its flags in its own module, and every one of them is imported
    to build the parser (issue 16): what they import at their top must not pull in the store,
    the site configs, the web app or the operations code, which only ``run`` needs."""
    names = imported_modules("--help")
    loaded = sorted(n for n in names if n.startswith(("crawler.storage.store", "crawler.storage.query",
                                                      "crawler.storage.migrate", "crawler.config",
                                                      "crawler.rasdconfig", "crawler.serve", "crawler.ops",
                                                      "crawler.model", "pymongo", "bson", "uvicorn")))
    assert loaded == []


def test_every_command_module_is_a_command() -> None:
    """A module of crawler/cli/ with ``run(args, config)`` is reachable as ``rasd <module>``, and
    declares its arguments beside it."""
    from crawler.cli.main import COMMANDS

    def functions(path: Path) -> set[str]:
        return {n.name for n in ast.parse(path.read_text(encoding="utf-8")).body if isinstance(n, ast.FunctionDef)}

    defined = {p.stem: functions(p) for p in (ROOT / "crawler" / "cli").glob("*.py")}
    assert {name for name, funcs in defined.items() if "run" in funcs} == set(COMMANDS)
    assert all({"add_arguments", "run"} <= defined[c] for c in COMMANDS)
