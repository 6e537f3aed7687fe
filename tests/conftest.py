"""Shared fixtures: a local Arabic news site, site-config folders, and running ``rasd``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.localsite import NewsSite, SiteServer

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RASD_SHARED", ROOT.parent / "shared"))
# Crawls of 127.0.0.1 need no politeness delay; everything else stays as shipped.
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")


# In the skip reason of every test that needs the shared corpus, so the run can count them.
CORPUS_MISSING = "shared corpus not found"


def shared_path(*parts: str) -> Path:
    """A file under ../shared, skipping the test when the shared folder is not beside us."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present ({CORPUS_MISSING}: ../shared is only beside the project checkout; "
                    "RASD_SHARED=PATH points the tests at a copy)")
    return path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line naming how many tests the missing corpus skipped, and how to run them."""
    missing = [r for r in terminalreporter.stats.get("skipped", []) if CORPUS_MISSING in str(r.longrepr)]
    if missing:
        terminalreporter.write_line(f"{len(missing)} test(s) skipped for want of the shared corpus at {SHARED}: "
                                    "set RASD_SHARED=PATH to a copy of it to run them")


def write_site(folder: Path, name: str, base_url: str, **extra: object) -> Path:
    """A site config for the local site; ``extra`` adds or overrides TOML keys."""
    keys: dict[str, object] = {
        "name": name,
        "title": "الوطن نيوز (اختبار)",
        "start_urls": [f"{base_url}/"],
        "feeds": [f"{base_url}/rss.xml"],
        "sitemaps": [f"{base_url}/sitemap.xml"],
        "article_urls": [r"/news/\d+"],
        "follow": [r"/page/\d+"],
        "timezone": "Africa/Cairo",
        **extra,
    }
    lines = []
    tables = {k: v for k, v in keys.items() if isinstance(v, dict)}
    for key, value in keys.items():
        if key not in tables:
            lines.append(f"{key} = {_toml(value)}")
    for key, table in tables.items():
        lines.append(f"[{key}]")
        lines += [f"{k} = {_toml(v)}" for k, v in table.items()]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "'" + str(value).replace("'", "") + "'" if "\\" in str(value) else '"' + str(value) + '"'


def run_rasd(*args: str, env: dict[str, str] | None = None, timeout: float = 300,
             check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a child process, as a user would."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True,
        env=full_env, timeout=timeout, cwd=ROOT,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"rasd {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def crawl(env: dict[str, str], *names: str) -> str:
    """`rasd crawl` of local sites, politeness off; its summary table."""
    return run_rasd("crawl", *names, *FAST, env=env, check=True).stdout


def stored(env: dict[str, str]) -> list[dict]:
    """Every article document in the test's store."""
    from crawler.storage.store import Store

    with Store(env["RASD_DB"]) as store:
        return list(store.iter_articles())


@pytest.fixture
def news_site() -> Iterator[tuple[NewsSite, SiteServer]]:
    site = NewsSite(n=12, per_page=5)
    with SiteServer(site) as server:
        yield site, server


@pytest.fixture
def rasd_env(tmp_path: Path) -> dict[str, str]:
    """An isolated embedded store and site folder for one test."""
    sites = tmp_path / "sites"
    sites.mkdir()
    return {"RASD_DB": str(tmp_path / "store" / "rasd.db"), "RASD_SITES": str(sites)}


@pytest.fixture
def receiver() -> Any:
    """A webhook on 127.0.0.1: its URL (with Basic credentials), the JSON bodies and the
    Authorization headers it received."""
    bodies: list[dict[str, Any]] = []
    auth: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            auth.append(self.headers.get("Authorization"))
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://rasd:pw@127.0.0.1:{httpd.server_port}/hook", bodies, auth
    httpd.shutdown()
    httpd.server_close()
