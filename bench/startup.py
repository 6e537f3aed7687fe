"""CLI start-up: how long ``rasd --help`` and a query command take before doing anything.

Every command pays the import of ``crawler.cli``; a crawl library imported there would
make ``rasd --help`` cost seconds (issue 13). Wall time is the median of several runs of
the real console entry point; the import figure is Python's own ``-X importtime``
cumulative time of ``crawler.cli.main`` (what our code adds to the interpreter's start)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {"rasd --help": ["--help"], "rasd articles (empty store)": ["articles"]}
TARGET_SECONDS = 0.3  # `rasd --help`, wall


def _run(args: list[str], env: dict[str, str], importtime: bool = False) -> subprocess.CompletedProcess[str]:
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run([sys.executable, *flags, "-m", "crawler.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def _import_ms(stderr: str, module: str = "crawler.cli.main") -> float:
    for line in stderr.splitlines():
        if line.startswith("import time:") and line.rsplit("|", 1)[1].strip() == module:
            return int(line.split("|")[1]) / 1000
    return float("nan")


def run(repeats: int = 5) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="rasd-startup-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RASD_DB": str(Path(tmp) / "rasd.db")}
        out = {}
        for name, args in COMMANDS.items():
            walls = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                _run(args, env)
                walls.append(time.perf_counter() - t0)
            traced = _run(args, env, importtime=True)
            out[name] = {"wall_s_median": statistics.median(walls), "wall_s_min": min(walls),
                         "import_ms": _import_ms(traced.stderr), "runs": repeats}
        return out
