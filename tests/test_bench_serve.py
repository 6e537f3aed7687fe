"""`python -m bench.serve` must not rot: a tiny run reports every figure (never judged on speed)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.faults import free_port

ROW = re.compile(r"^(article page|api|search page)\s+(\d+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+p95 < \d+ ms: "
                 r"(met|missed)$", re.M)


def test_small_serve_benchmark_reports_every_figure(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench.serve", "--articles", "200", "--seconds", "1", "--clients",
                           "2", "--cli-runs", "1", "--cache", str(tmp_path), "--port", str(free_port())],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {m.group(1): m.groups() for m in ROW.finditer(proc.stdout)}
    assert set(rows) == {"article page", "api", "search page"}, proc.stdout
    for kind, (_, requests, _, p50, p95, p99, errors, _) in rows.items():
        assert int(requests) > 0 and int(errors) == 0, kind
        assert int(p50) <= int(p95) <= int(p99), kind
    assert re.search(r"rasd articles --search \S+ --limit 20: \d+ ms", proc.stdout)
    assert re.search(r"rasd article ID --format json: \d+ ms", proc.stdout)
