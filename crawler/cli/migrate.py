"""``rasd migrate``: copy everything from one store into another (old litemongo store,
embedded SQLite store, MongoDB)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_OK
from crawler.storage.migrate import copy_store, foreign_data, open_source
from crawler.storage.store import StoreError, mask_secrets, open_store

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig

EXIT_REFUSED = 1


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    dest_uri = args.dest or config.db
    if args.source == dest_uri:
        raise StoreError("--from and --to name the same store")
    source = open_source(args.source)
    try:
        with open_store(dest_uri) as dest:
            foreign = foreign_data(source, dest)
            if foreign and not args.merge:
                print(f"rasd: {mask_secrets(dest_uri)} already holds {foreign} article(s) that are not "
                      f"from {mask_secrets(args.source)}; add --merge to copy into it anyway", file=sys.stderr)
                return EXIT_REFUSED

            def progress(done: int, total: int) -> None:
                print(f"\rcopying articles: {done}/{total}", end="", file=sys.stderr, flush=True)

            copied = copy_store(source, dest, progress)
    finally:
        source.close()
    print(file=sys.stderr)
    print(f"copied {copied.articles} article(s), {copied.versions} version(s), {copied.runs} run(s), "
          f"{copied.health} site health record(s) from {mask_secrets(args.source)} to {mask_secrets(dest_uri)}"
          + (" (nothing was missing)" if copied.nothing else ""))
    return EXIT_OK
