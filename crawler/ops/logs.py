"""Logging for the long-running scheduler: the console and a rotating file.

A service left alone for weeks must keep its history without filling the disk, so the file
rotates by size; only the scheduler process writes it (crawl children's output is relayed
through it), because several processes rotating one file lose lines.
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from platformdirs import user_log_path

MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def default_log_file() -> Path:
    return user_log_path("rasd", appauthor=False) / "rasd.log"


def setup_logging(log_file: Path, verbose: bool = False) -> Path:
    path = log_file.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    formatter = logging.Formatter(FORMAT)
    for handler in (logging.StreamHandler(sys.stderr),
                    RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")):
        handler.setFormatter(formatter)
        root.addHandler(handler)
    # APScheduler logs every job start and end at INFO, and a slot skipped because the
    # site's previous crawl still runs as a WARNING; that skip is the design (one crawl per
    # site at a time, coalesced), and the run records show durations, so both are debug-only.
    logging.getLogger("apscheduler").setLevel(logging.INFO if verbose else logging.WARNING)
    if not verbose:
        logging.getLogger("apscheduler.scheduler").addFilter(_skip_still_running)
    return path


def _skip_still_running(record: logging.LogRecord) -> bool:
    return "maximum number of running instances" not in record.getMessage()
