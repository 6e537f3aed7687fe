"""``rasd migrate``: copy everything from one store into another (old litemongo store,
embedded SQLite store, MongoDB)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from crawler.storage.store import Store, StoreError, mask_secrets, resolve_db

EXIT_OK, EXIT_REFUSED = 0, 1


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "migrate", parents=[common],
        help="copy articles, versions, runs and site health from one store into another",
        description="Copies everything missing at the destination; run it again after an "
                    "interruption to resume (nothing is copied twice). The source is never changed.")
    p.add_argument("--from", dest="source", required=True, metavar="URI_OR_PATH",
                   help="old litemongo store folder, embedded store file or MongoDB URI")
    p.add_argument("--to", dest="dest", default=None, metavar="URI_OR_PATH",
                   help="embedded store file or MongoDB URI (default: --db / RASD_DB / the default store)")
    p.add_argument("--merge", action="store_true",
                   help="add to a destination that already holds other articles")
    p.set_defaults(func=cmd_migrate)


def cmd_migrate(args: argparse.Namespace) -> int:
    from crawler.storage.migrate import copy_store, foreign_data, open_source

    dest_uri = resolve_db(args.dest or args.db)
    if resolve_db(args.source) == dest_uri:
        raise StoreError("--from and --to name the same store")
    source = open_source(args.source)
    try:
        with Store(dest_uri) as dest:
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
