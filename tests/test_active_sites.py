"""The active set of sites (issue 13, point 11): a user's sites folder means "these sites",
built-ins are brought in by name, and the commands that act on "all sites" act on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FAST, run_rasd, write_site


@pytest.mark.slow
def test_a_sites_folder_is_the_active_set(news_site, rasd_env: dict[str, str]) -> None:
    _, server = news_site
    folder = Path(rasd_env["RASD_SITES"])
    write_site(folder, "local", server.url, schedule="30m")

    crawl = run_rasd("crawl", "--all", *FAST, env=rasd_env, check=True)
    rows = [line.split()[0] for line in crawl.stdout.splitlines()[2:-1]]
    assert rows == ["local"], crawl.stdout  # not the 23 built-in sites besides it

    status = run_rasd("status", env=rasd_env)
    assert status.returncode == 0, status.stdout  # never-crawled built-ins do not count
    assert [line.split()[0] for line in status.stdout.splitlines()[2:]] == ["local"]
    plan = run_rasd("schedule", "--dry-run", env=rasd_env, check=True).stdout
    assert "local" in plan and "youm7" not in plan

    listed = run_rasd("sites", env=rasd_env, check=True).stdout
    table = listed.split("\n\n")[0]
    assert "local" in table and "youm7" not in table
    assert "not active" in listed and "youm7" in listed and "builtins.txt" in listed
    assert "youm7" in run_rasd("sites", "--all", env=rasd_env, check=True).stdout.split("\n\n")[0]
    data = {s["name"]: s["active"] for s in json.loads(run_rasd("sites", "--format", "json", env=rasd_env,
                                                                check=True).stdout)}
    assert data["local"] is True and data["youm7"] is False
    # A site outside the active set can still be named.
    assert "youm7" in run_rasd("status", "youm7", env=rasd_env).stdout

    # Built-in sites are brought in by name.
    (folder / "builtins.txt").write_text("# also watch these\nyoum7\n", encoding="utf-8")
    status = run_rasd("status", env=rasd_env)
    assert status.returncode == 1 and "youm7" in status.stdout and "never crawled" in status.stdout
    plan = run_rasd("schedule", "--dry-run", env=rasd_env, check=True).stdout
    assert "local" in plan and "youm7" in plan and "alarabiya" not in plan

    (folder / "builtins.txt").write_text("youm7\nnosuchsite\n", encoding="utf-8")
    bad = run_rasd("status", env=rasd_env)
    assert bad.returncode == 2 and "builtins.txt: line 2: no site named 'nosuchsite'" in bad.stderr


def test_without_own_sites_every_builtin_is_active(rasd_env: dict[str, str]) -> None:
    listed = run_rasd("sites", env=rasd_env, check=True).stdout
    assert "youm7" in listed and "alarabiya" in listed and "not active" not in listed
    (Path(rasd_env["RASD_SITES"]) / "builtins.txt").write_text("*\n", encoding="utf-8")
    assert "not active" not in run_rasd("sites", env=rasd_env, check=True).stdout
