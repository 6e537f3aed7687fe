"""The reference: Scrapy's own ``scrapy bench`` run in the same session.

Absolute rates drift on a shared machine; a ratio against ``scrapy bench`` measured minutes
apart holds better. It runs from an empty folder so that Rasd's project settings (delays,
AutoThrottle, pipelines) do not leak into the reference, and its rate is taken from the
final stats (responses / elapsed seconds) rather than from the per-interval log lines.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from typing import Any

_STAT = r"'{key}':\s*([0-9.]+)"


def run(seconds: int = 10) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    with tempfile.TemporaryDirectory(prefix="rasd-scrapy-bench-") as empty:
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"],
            capture_output=True, text=True, cwd=empty, env=env, timeout=seconds * 6 + 60,
        )
    log = proc.stderr
    pages, elapsed = _stat(log, "response_received_count"), _stat(log, "elapsed_time_seconds")
    if proc.returncode != 0 or pages is None or not elapsed:
        raise RuntimeError(f"scrapy bench failed (exit {proc.returncode}):\n{log[-3000:]}")
    return {"pages": int(pages), "elapsed_seconds": elapsed, "pages_per_min": pages / elapsed * 60}


def _stat(log: str, key: str) -> float | None:
    found = re.findall(_STAT.format(key=re.escape(key)), log)
    return float(found[-1]) if found else None
