"""``rasd export``: JSON Lines of stored articles on stdout."""

from __future__ import annotations

import argparse
import sys

from crawler.cli.common import EXIT_OK, json_line, open_store


def run(args: argparse.Namespace) -> int:
    from crawler.storage.query import find_articles, public

    with open_store(args) as store:
        for doc in find_articles(store, site=args.site, since=args.since, until=args.until):
            sys.stdout.write(json_line(public(doc)) + "\n")
    return EXIT_OK
