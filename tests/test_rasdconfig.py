"""One configuration (issue 16): ``RasdConfig`` is resolved once at the entry point from
flags, then environment variables, then defaults, and handed down; nothing below reads the
environment, and the scheduler's crawl children resolve what their parent resolved."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import BUILTIN_SITES_DIR, load_sites
from crawler.ops.logs import default_log_file
from crawler.rasdconfig import resolve_config
from crawler.storage.paths import default_db_path
from crawler.storage.store import Store
from tests.conftest import ROOT, run_rasd, write_site
from tests.localsite import NewsSite, SiteServer

# Where the environment may be read: the resolver, and the scheduler handing its own
# environment to child_environment (which overwrites every variable of ours).
ALLOWED = {"crawler/rasdconfig.py", "crawler/ops/scheduler.py"}


def environment_reads(path: Path) -> list[int]:
    """Lines of a module that read the process environment (os.environ, os.getenv…)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv", "getenvb"):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                a.name in ("environ", "environb", "getenv", "getenvb") for a in node.names):
            lines.append(node.lineno)
    return sorted(lines)


def test_nothing_below_the_entry_points_reads_the_environment() -> None:
    found = {}
    for folder in ("crawler", "pipelines"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("crawler/demo/"):  # the demo site is a test server, not Rasd
                continue
            lines = environment_reads(path)
            if lines and rel not in ALLOWED:
                found[rel] = lines
    assert found == {}, f"environment read outside crawler/rasdconfig.py: {found}"
    scheduler = (ROOT / "crawler/ops/scheduler.py").read_text(encoding="utf-8")
    assert len(environment_reads(ROOT / "crawler/ops/scheduler.py")) == 1
    assert "child_environment(os.environ)" in scheduler  # passed down, never read


def test_the_guard_sees_every_spelling(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import os\nfrom os import getenv\na = os.environ.get('X')\nb = os.getenv('Y')\n")
    assert environment_reads(module) == [2, 3, 4]


def test_flag_beats_environment_beats_default(tmp_path: Path) -> None:
    env = {"RASD_DB": str(tmp_path / "env.db"), "RASD_SPOOL": str(tmp_path / "env-spool"),
           "RASD_SITES": os.pathsep.join([str(tmp_path / "env-a"), str(tmp_path / "env-b")]),
           "RASD_LOG_FILE": str(tmp_path / "env.log"), "RASD_ALERT_WEBHOOK": "https://hooks.example/env",
           "RASD_SERVE_TOKEN": "env-token", "RASD_CHROMIUM": "/opt/env-chrome",
           "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "pw")}
    flagged = resolve_config(db=str(tmp_path / "flag.db"), spool=tmp_path / "flag-spool",
                             sites=[tmp_path / "flag-sites"], log_file=tmp_path / "flag.log",
                             serve_token="flag-token", environ=env)
    assert flagged.db == str(tmp_path / "flag.db")
    assert flagged.spool == tmp_path / "flag-spool"
    # Sites add up: built-in, then the environment's, then the flag's (later ones win a name).
    assert flagged.site_dirs == (BUILTIN_SITES_DIR, tmp_path / "env-a", tmp_path / "env-b", tmp_path / "flag-sites")
    assert flagged.log_file == tmp_path / "flag.log"
    assert flagged.serve_token == "flag-token"

    from_env = resolve_config(environ=env)
    assert from_env.db == str(tmp_path / "env.db")
    assert from_env.spool == tmp_path / "env-spool"
    assert from_env.site_dirs == (BUILTIN_SITES_DIR, tmp_path / "env-a", tmp_path / "env-b")
    assert from_env.log_file == tmp_path / "env.log"
    assert from_env.alert_webhook == "https://hooks.example/env"
    assert from_env.serve_token == "env-token"
    assert from_env.chromium == "/opt/env-chrome"
    assert from_env.playwright_browsers == tmp_path / "pw"
    # A flag for the database moves the default spool with it, not an explicit RASD_SPOOL.
    assert resolve_config(db=str(tmp_path / "flag.db"), environ={}).spool == tmp_path / "flag.db.spool"

    # Empty variables count as unset, as before.
    defaults = resolve_config(environ={k: "" for k in env})
    assert defaults.db == str(default_db_path())
    assert defaults.spool == Path(str(default_db_path()) + ".spool")
    assert defaults.site_dirs == (BUILTIN_SITES_DIR,)
    assert defaults.log_file == default_log_file()
    assert defaults.alert_webhook is None and defaults.serve_token is None and defaults.chromium is None
    assert resolve_config(db="mongodb://u:p@h/rasd", environ={}).spool.name == "spool"
    assert resolve_config(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}).playwright_browsers == (
        tmp_path / "cache" / "ms-playwright")


def test_the_cli_resolves_flag_over_environment(tmp_path: Path) -> None:
    env = {"RASD_DB": str(tmp_path / "env.db"), "RASD_SPOOL": str(tmp_path / "env-spool")}
    shown = run_rasd("spool", "--format", "json", env=env, check=True)
    assert json.loads(shown.stdout)["spool"] == str(tmp_path / "env-spool")
    shown = run_rasd("spool", "--format", "json", "--spool", str(tmp_path / "flag-spool"), env=env, check=True)
    assert json.loads(shown.stdout)["spool"] == str(tmp_path / "flag-spool")
    shown = run_rasd("--db", str(tmp_path / "flag.db"), "spool", "--format", "json",
                     env={"RASD_DB": str(tmp_path / "env.db"), "RASD_SPOOL": ""}, check=True)
    assert json.loads(shown.stdout)["spool"] == str(tmp_path / "flag.db.spool")


def test_a_child_environment_resolves_the_parents_configuration(tmp_path: Path) -> None:
    """A real child process, given the environment the scheduler builds, resolves exactly
    the parent's configuration although its inherited environment says otherwise."""
    parent = resolve_config(db=str(tmp_path / "db"), spool=tmp_path / "spool", sites=[tmp_path / "sites"],
                            log_file=tmp_path / "rasd.log", environ={"RASD_ALERT_WEBHOOK": "https://h.example/x"})
    inherited = {**os.environ, "PYTHONPATH": str(ROOT), "RASD_DB": "/elsewhere.db", "RASD_SPOOL": "/elsewhere",
                 "RASD_SITES": "/no/such/sites", "RASD_LOG_FILE": "/elsewhere.log", "RASD_SERVE_TOKEN": "stale",
                 "RASD_CHROMIUM": "/no/such/chrome"}
    code = "from crawler.rasdconfig import resolve_config; print(repr(resolve_config()))"
    child = subprocess.run([sys.executable, "-c", code], env=parent.child_environment(inherited), cwd=ROOT,
                           capture_output=True, text=True, check=True, timeout=60)
    assert child.stdout.strip() == repr(parent)


@pytest.mark.slow
def test_a_scheduled_crawl_uses_the_schedulers_database_spool_and_sites(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scheduler resolved its configuration at start; the process environment changing
    afterwards (as a child's own environment may differ) must not move its crawls."""
    from crawler.ops.scheduler import CrawlScheduler, Options

    with SiteServer(NewsSite(n=3)) as server:
        write_site(tmp_path / "sites", "one", server.url)
        config = resolve_config(db=str(tmp_path / "store" / "rasd.db"), spool=tmp_path / "spool",
                                sites=[tmp_path / "sites"], environ={})
        sites = load_sites(config.site_dirs, need=["one"])
        quick = [("DOWNLOAD_DELAY", "0"), ("AUTOTHROTTLE_ENABLED", "False"), ("RETRY_ENABLED", "False")]
        scheduler = CrawlScheduler([sites["one"]], Options(config=config, settings=quick))
        monkeypatch.setenv("RASD_DB", str(tmp_path / "elsewhere.db"))
        monkeypatch.setenv("RASD_SPOOL", str(tmp_path / "elsewhere-spool"))
        monkeypatch.setenv("RASD_SITES", str(tmp_path / "no-such-sites"))  # a crawl reading it would fail
        scheduler.run_site("one")

    with Store(config.db) as store:
        [run] = store.find_runs(site="one", limit=0)
        stored = list(store.iter_articles())
    assert run["status"] == "ok", run
    assert len(stored) == 3
    assert not (tmp_path / "elsewhere.db").exists() and not (tmp_path / "elsewhere-spool").exists()
