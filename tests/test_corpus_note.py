"""Without the shared corpus, the test run says how many tests it skipped and how to run
them (issue 13, point 15)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import ROOT


def test_run_names_the_tests_skipped_for_want_of_the_corpus(tmp_path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_layouts.py", "-k", "youm7"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={**os.environ, "RASD_SHARED": str(tmp_path / "no-corpus"), "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    skipped = int(re.search(r"(\d+) skipped", proc.stdout).group(1))
    assert skipped >= 1
    line = f"{skipped} test(s) skipped for want of the shared corpus at {tmp_path / 'no-corpus'}"
    assert line in proc.stdout and "RASD_SHARED=PATH" in proc.stdout, proc.stdout[-2000:]
