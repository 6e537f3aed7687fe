"""``rasd migrate``: copy everything from one store into another (old litemongo store,
embedded SQLite store, MongoDB)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_OK

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig

EXIT_REFUSED = 1


HELP = "copy articles, versions, runs and site health from one store into another"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Copies everything missing at the destination; run it again after an "
                     "interruption to resume (nothing is copied twice). The source is never changed.")
    p.add_argument("--from", dest="source", required=True, metavar="URI_OR_PATH",
                   help="old litemongo store folder, embedded store file or MongoDB URI")
    p.add_argument("--to", dest="dest", default=None, metavar="URI_OR_PATH",
                   help="embedded store file or MongoDB URI (default: --db / RASD_DB / the default store)")
    p.add_argument("--merge", action="store_true", help="add to a destination that already holds other articles")


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    from crawler.storage.migrate import copy_store, foreign_data, open_source
    from crawler.storage.store import StoreError, mask_secrets, open_store

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
