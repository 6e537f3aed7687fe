"""`rasd demo` (issue 13, point 13): one command serves the Arabic demo site on 127.0.0.1
with a site config for it, and the printed commands work end to end without network."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FAST, ROOT, run_rasd


@pytest.mark.slow
def test_demo_serves_a_site_that_crawl_articles_and_schedule_use(tmp_path: Path) -> None:
    demo = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "demo", "--port", "0", "--dir", str(tmp_path / "demo"),
         "--articles", "6", "--publish-every", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        lines = []
        while not any(line.lstrip().startswith("export ") for line in lines):
            line = demo.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        exports = next(line for line in lines if line.lstrip().startswith("export ")).split()[1:]
        env = dict(item.split("=", 1) for item in exports)
        assert env["RASD_SITES"].endswith("sites") and Path(env["RASD_SITES"], "demo.toml").is_file()

        crawl = run_rasd("crawl", "--all", *FAST, env=env)  # the active set: the demo alone
        assert crawl.returncode == 0, crawl.stderr
        row = next(line.split() for line in crawl.stdout.splitlines() if line.startswith("demo "))
        assert int(row[2]) >= 6 and row[7] == "ok", crawl.stdout  # new, status
        assert len([line for line in crawl.stdout.splitlines()[2:-1] if line.strip()]) == 1
        listed = run_rasd("articles", env=env, check=True).stdout
        assert "تطورات جديدة" in listed
        assert "demo" in run_rasd("schedule", "--dry-run", env=env, check=True).stdout

        deadline = time.monotonic() + 30
        while not any("published" in line for line in lines) and time.monotonic() < deadline:
            lines.append(demo.stdout.readline())
        assert any(re.search(r"published \d+: ", line) for line in lines), "".join(lines)
    finally:
        demo.send_signal(signal.SIGTERM)
        out, _ = demo.communicate(timeout=30)
    assert demo.returncode == 0 and "rasd demo: stopped" in out
