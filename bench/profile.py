"""Where the time goes: the benchmark crawl once more, sampled by py-spy (``--profile``).

A separate, profiled crawl on a fresh store, so that the sampler's overhead never touches
the measured run. The raw stacks are kept beside RESULTS.md's temporary folder only; what
is reported is (a) Rasd's own functions by inclusive share of samples and (b) modules by
self share, which together name the top costs without reading a flame graph.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench import crawl

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
_OWN = re.compile(r"^(?:crawler|pipelines)/")  # py-spy names files relative to sys.path


class ProfilerMissing(RuntimeError):
    pass


def profiler() -> str:
    """py-spy on PATH or beside this Python (a venv not activated); checked before the
    benchmark starts rather than after minutes of it."""
    pyspy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if pyspy is None:
        raise ProfilerMissing("--profile needs py-spy: pip install py-spy (or pip install -e '.[bench]')")
    return pyspy


def run(base_url: str, workdir: Path, rate: int = 100, top: int = 10) -> dict[str, Any]:
    pyspy = profiler()
    raw = workdir / "crawl.pyspy.txt"
    crawl.run(base_url, workdir, wrapper=(pyspy, "record", "--rate", str(rate), "--format", "raw",
                                          "--output", str(raw), "--"))
    return summarise(raw.read_text(encoding="utf-8"), top)


def _where(frame: str) -> tuple[str, str]:
    m = _FRAME.match(frame)
    return (m.group("func"), m.group("file")) if m else (frame, "")


def summarise(collapsed: str, top: int = 10) -> dict[str, Any]:
    """Shares of samples from py-spy's collapsed stacks ("f1 (file:line);f2 (...) count")."""
    total = 0
    own: Counter[str] = Counter()
    modules: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_where(f) for f in stack.split(";")]
        for func, file in {(f, p) for f, p in frames if _OWN.match(p) and f != "<module>"}:  # not imports
            own[f"{func} ({file})"] += n
        modules[frames[-1][1] or frames[-1][0]] += n
    share = (lambda c: [(name, n / total) for name, n in c.most_common(top)]) if total else (lambda c: [])
    return {"samples": total, "own_inclusive": share(own), "modules_self": share(modules)}
