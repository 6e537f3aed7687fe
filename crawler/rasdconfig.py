"""Rasd's configuration for one process: where the database, spool, site configs, log file
and browser are, where alerts go, the serve token. Resolved once, at the entry point, from
flags, then environment variables, then defaults — and handed down.

Why one place: values that every layer looked up for itself (``resolve_db`` several times
per command, the environment read inside the store, the spool, the alerts, the browser
search) could disagree within one run, and a crawl child of the scheduler could resolve
another database than its parent. This module is the only one that reads the environment;
everything below the entry points takes explicit values (tests/test_rasdconfig.py checks it).

Scrapy components get the values through settings (``scrapy_settings``); the scheduler's
crawl children through their environment (``child_environment``), so they resolve exactly
what their parent did. ``scrapy crawl`` has no rasd entry point: its settings module
(crawler/scrapy_entry.py) resolves the configuration for it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The documented environment variables (docs/operations.md), one name each.
DB_ENV = "RASD_DB"
SPOOL_ENV = "RASD_SPOOL"
SITES_ENV = "RASD_SITES"
LOG_ENV = "RASD_LOG_FILE"
WEBHOOK_ENV = "RASD_ALERT_WEBHOOK"
TOKEN_ENV = "RASD_SERVE_TOKEN"
CHROMIUM_ENV = "RASD_CHROMIUM"
PLAYWRIGHT_ENV = "PLAYWRIGHT_BROWSERS_PATH"  # Playwright's own, followed as Playwright does


@dataclass(frozen=True)
class RasdConfig:
    db: str                           # MongoDB URI or embedded-store path
    spool: Path                       # where articles wait while the database is down
    site_dirs: tuple[Path, ...]       # built-in sites first, then RASD_SITES, then --sites
    log_file: Path                    # the scheduler's rotating log
    alert_webhook: str | None         # where site state changes are POSTed
    serve_token: str | None           # `rasd serve` access token
    chromium: str | None              # an explicit Chromium/Chrome executable (RASD_CHROMIUM)
    playwright_browsers: Path         # where `playwright install` puts its browsers

    @property
    def user_site_dirs(self) -> tuple[Path, ...]:
        """The site folders beyond the built-in one (which ``site_dirs`` always starts with)."""
        return self.site_dirs[1:]

    def scrapy_settings(self) -> dict[str, Any]:
        """What Scrapy components of a crawl read (RASD_DB, RASD_SPOOL, RASD_SITE_DIRS…)."""
        return {
            "RASD_DB": self.db,
            "RASD_SPOOL": str(self.spool),
            "RASD_SITE_DIRS": [str(d) for d in self.site_dirs],
            "RASD_ALERT_WEBHOOK": self.alert_webhook,
            "RASD_CHROMIUM": self.chromium,
            "RASD_PLAYWRIGHT_BROWSERS": str(self.playwright_browsers),
        }

    def child_environment(self, inherited: Mapping[str, str]) -> dict[str, str]:
        """The environment of a child ``rasd`` process that must resolve this very
        configuration: the inherited one with every variable of ours set from it (or
        removed where this configuration has no value). The database URI travels here,
        never in argv, which every user sees in ``ps``."""
        ours: dict[str, str | None] = {
            DB_ENV: self.db,
            SPOOL_ENV: str(self.spool),
            SITES_ENV: os.pathsep.join(str(d) for d in self.user_site_dirs),
            LOG_ENV: str(self.log_file),
            WEBHOOK_ENV: self.alert_webhook,
            TOKEN_ENV: self.serve_token,
            CHROMIUM_ENV: self.chromium,
            PLAYWRIGHT_ENV: str(self.playwright_browsers),
        }
        env = {k: v for k, v in inherited.items() if k not in ours}
        env.update({k: v for k, v in ours.items() if v})
        return env


def resolve_config(*, db: str | None = None, spool: str | os.PathLike[str] | None = None,
                   sites: Iterable[str | os.PathLike[str]] = (), log_file: str | os.PathLike[str] | None = None,
                   serve_token: str | None = None, environ: Mapping[str, str] | None = None) -> RasdConfig:
    """Flag, else environment variable, else default, for each value. ``environ`` defaults
    to this process's environment; an empty variable counts as unset."""
    from crawler.config import site_dirs
    from crawler.ops.logs import default_log_file
    from crawler.storage.paths import default_db_path
    from crawler.storage.spool import spool_dir

    env = os.environ if environ is None else environ
    uri = db or env.get(DB_ENV) or str(default_db_path())
    env_sites = [p for p in env.get(SITES_ENV, "").split(os.pathsep) if p]
    return RasdConfig(
        db=uri,
        spool=spool_dir(uri, spool or env.get(SPOOL_ENV) or None),
        site_dirs=tuple(site_dirs([*env_sites, *map(Path, sites)])),
        log_file=Path(log_file or env.get(LOG_ENV) or default_log_file()).expanduser(),
        alert_webhook=env.get(WEBHOOK_ENV) or None,
        serve_token=serve_token or env.get(TOKEN_ENV) or None,
        chromium=env.get(CHROMIUM_ENV) or None,
        playwright_browsers=_playwright_browsers(env),
    )


def _playwright_browsers(env: Mapping[str, str]) -> Path:
    """Where ``playwright install`` puts browsers, following Playwright's own rules."""
    chosen = env.get(PLAYWRIGHT_ENV)
    if chosen == "0":
        import playwright

        return Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers"
    if chosen:
        return Path(chosen)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ms-playwright"
    if sys.platform == "win32":
        return Path(env.get("LOCALAPPDATA") or Path.home()) / "ms-playwright"
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ms-playwright"
