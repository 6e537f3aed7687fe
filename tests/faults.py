"""Real faults for the reliability tests: a site whose articles wait behind gates (so a test
can act at a chosen point of a crawl), the embedded store locked or made read-only, a closed
port, and reading a store or spool back without going through the code under test."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.localsite import NewsSite


class GatedSite(NewsSite):
    """Article ``i`` is served only once the gate for ``i // group`` is open."""

    def __init__(self, n: int, group: int, **kwargs: Any) -> None:
        super().__init__(n=n, per_page=n, **kwargs)
        self.group = group
        self.gates = [threading.Event() for _ in range((n + group - 1) // group)]

    def render(self, path: str) -> tuple[int, str, str]:
        parts = path.split("/")
        if len(parts) >= 3 and parts[1] == "news" and parts[2].isdigit():
            gate = int(parts[2]) // self.group
            if gate < len(self.gates):
                self.gates[gate].wait(120)
        return super().render(path)


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def store_files(db: Path) -> list[Path]:
    """The embedded store's file and its WAL companions, or everything in a folder."""
    if db.is_dir():
        return list(db.rglob("*"))
    return [p for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")) if p.exists()]


def set_read_only(db: Path, read_only: bool) -> None:
    """chmod the embedded store (folders and files) read-only or back to writable."""
    for p in [db, *store_files(db)]:
        mode = p.stat().st_mode
        if p.is_dir():
            p.chmod(stat.S_IMODE(mode) & ~0o222 if read_only else stat.S_IMODE(mode) | 0o700)
        else:
            p.chmod(stat.S_IMODE(mode) & ~0o222 if read_only else stat.S_IMODE(mode) | 0o600)


class WriteLock:
    """Holds SQLite's write lock on the embedded store (one file for articles, runs and the
    rest), as another process (a backup tool, a second writer) would: the crawler's writes
    there fail with 'database is locked'."""

    def __init__(self, db: Path) -> None:
        self.path = db
        self.conns: list[sqlite3.Connection] = []

    def acquire(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        conn.execute("BEGIN IMMEDIATE")
        self.conns.append(conn)

    def release(self) -> None:
        while self.conns:
            conn = self.conns.pop()
            conn.execute("ROLLBACK")
            conn.close()


def unprivileged() -> list[str]:
    """Command prefix under which chmod applies: root normally ignores file modes, so the
    crawl runs without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH (util-linux setpriv)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        import pytest

        pytest.skip("running as root without setpriv: chmod cannot make files unwritable")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def start_rasd(*args: str, env: dict[str, str], prefix: list[str] | None = None,
               **popen: Any) -> subprocess.Popen[str]:
    """``rasd`` as a child process that the test can signal or wait for."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.Popen(
        [*(prefix or []), sys.executable, "-m", "crawler.cli", *args], env=full_env, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen,
    )


def wait_for(condition: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def read_rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of the embedded store read with plain sqlite3 (read-only), not the code under test."""
    if not db.is_file():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    finally:
        conn.close()


def stored_urls(db: Path) -> list[str]:
    """Every article URL in the embedded store (one per row, so a duplicate would show up twice)."""
    return [row[0] for row in read_rows(db, "SELECT url FROM articles")]


def stored_docs(db: Path, collection: str = "articles") -> list[dict[str, Any]]:
    """Every document of a table of the embedded store ("articles" or "runs"), decoded as the
    store's JSON (datetimes, ids)."""
    from crawler.storage.sqlite import loads

    if collection == "articles":
        return [{**loads(doc), "url": url} for url, doc in read_rows(db, "SELECT url, doc FROM articles ORDER BY n")]
    return [loads(row[0]) for row in read_rows(db, f"SELECT doc FROM {collection}")]


def spool_lines(spool: Path) -> int:
    """Complete lines in all spool segments (replayed or not)."""
    if not spool.is_dir():
        return 0
    return sum(p.read_bytes().count(b"\n") for p in spool.glob("*.jsonl"))


class SlowSite(NewsSite):
    """Articles take ``delay`` seconds to serve, so a crawl lasts long enough to be hit."""

    def __init__(self, n: int, delay: float, **kwargs: Any) -> None:
        super().__init__(n=n, per_page=10, **kwargs)
        self.delay = delay

    def render(self, path: str) -> tuple[int, str, str]:
        if path.startswith("/news/"):
            time.sleep(self.delay)
        return super().render(path)


class SilentServer:
    """Accepts TCP connections and never answers (a hung server, a black-holing proxy):
    counts the connections it was offered."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            self.held.append(conn)

    @property
    def connections(self) -> int:
        return len(self.held)

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()
