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
from pathlib import Path
from typing import Any

_STAT = r"'{key}':\s*([0-9.]+)"


ROOT = Path(__file__).resolve().parents[1]
# The same clock as Rasd's benchmark crawl: crawler-process CPU from spider open to close.
CLOCK = '{"bench.stagetiming.CrawlClock": 0}'


def run(seconds: int = 10) -> dict[str, Any]:
    """Pages/min over the run; crawler CPU seconds from spider open to close (as for Rasd's
    crawl); and, for the record, all CPU of ``scrapy bench`` with start-up and its page
    server (a child it reaps, so ``wait4`` counts it)."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    with tempfile.TemporaryDirectory(prefix="rasd-scrapy-bench-") as empty:
        log_path = Path(empty) / "bench.log"
        with log_path.open("w", encoding="utf-8") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
                 "-s", f"EXTENSIONS={CLOCK}"],
                stdout=subprocess.DEVNULL, stderr=log_file, cwd=empty, env=env,
            )
            _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        log = log_path.read_text(encoding="utf-8", errors="replace")
    pages, elapsed = _stat(log, "response_received_count"), _stat(log, "elapsed_time_seconds")
    crawl_cpu = _stat(log, "bench/crawl_cpu_seconds")
    if code != 0 or pages is None or not elapsed or not crawl_cpu:
        raise RuntimeError(f"scrapy bench failed (exit {code}):\n{log[-3000:]}")
    return {"pages": int(pages), "elapsed_seconds": elapsed, "pages_per_min": pages / elapsed * 60,
            "crawl_cpu_seconds": crawl_cpu, "pages_per_cpu_second": pages / crawl_cpu,
            "process_cpu_seconds": usage.ru_utime + usage.ru_stime}


def _stat(log: str, key: str) -> float | None:
    found = re.findall(_STAT.format(key=re.escape(key)), log)
    return float(found[-1]) if found else None
