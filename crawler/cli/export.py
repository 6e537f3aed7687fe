"""``rasd export``: JSON Lines of stored articles on stdout."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_OK, json_line, open_store

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    from crawler.storage.query import ArticleQuery, public

    query = ArticleQuery(sites=(args.site,) if args.site else (), since=args.since, until=args.until)
    with open_store(config) as store:
        for doc in store.iter_articles(query):  # streamed, in storage order
            sys.stdout.write(json_line(public(doc)) + "\n")
    return EXIT_OK
