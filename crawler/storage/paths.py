"""Where Rasd keeps its data by default. Apart from the store so that ``rasd --help``,
which prints it, does not import the database drivers."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path


def default_db_path() -> Path:
    return user_data_path("rasd", appauthor=False) / "rasd.db"
