"""Shared fixtures: a local Arabic news site, site-config folders, and running ``rasd``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.localsite import NewsSite, SiteServer

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RASD_SHARED", ROOT.parent / "shared"))
# Crawls of 127.0.0.1 need no politeness delay; everything else stays as shipped.
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")


def shared_path(*parts: str) -> Path:
    """A file under ../shared, skipping the test when the shared folder is not beside us."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is only beside the project checkout)")
    return path


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
