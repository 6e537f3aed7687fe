"""Where Rasd keeps its data by default, and the old default store it may find there. Apart
from the store so that ``rasd --help``, which prints it, does not import the database drivers."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

DB_NAME = "rasd"


def default_db_path() -> Path:
    return user_data_path("rasd", appauthor=False) / "rasd.sqlite"


def legacy_db_path() -> Path:
    """Where earlier Rasd versions kept their embedded (litemongo) store by default."""
    return user_data_path("rasd", appauthor=False) / "rasd.db"


def require_db(uri: str | None) -> str:
    """The database a component was handed. Choosing one (flag, RASD_DB, default) is the
    entry point's job (crawler.rasdconfig), done once; a component never falls back."""
    if not uri:
        raise ValueError("no database given: the entry point resolves it (crawler.rasdconfig.resolve_config)")
    return uri


def is_litemongo_store(path: str | os.PathLike[str]) -> bool:
    """An embedded store of the old format: litemongo keeps a folder ``<path>/rasd/``."""
    return (Path(path).expanduser() / DB_NAME / "articles").is_file()


def legacy_default_problem(uri: str) -> str | None:
    """What a user must run when the default store is still the old (litemongo) one and the
    new one does not exist yet; None otherwise. Nothing is moved or deleted for them."""
    if uri != str(default_db_path()) or default_db_path().exists():
        return None
    legacy = legacy_db_path()
    if not is_litemongo_store(legacy):
        return None
    return (f"your articles are in {legacy}, an embedded store of an earlier Rasd version (litemongo). "
            f"Copy them into the new default store with:\n  pip install 'rasd[migrate-litemongo]'\n"
            f"  rasd migrate --from {legacy}\nthe old store is left as it is (delete it yourself once "
            "you are satisfied)")
