"""``rasd articles``: list stored articles."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable
from typing import Any

from crawler.cli.common import EXIT_OK, open_store, table


def run(args: argparse.Namespace) -> int:
    from crawler.storage.query import find_articles, public

    with open_store(args) as store:
        docs = find_articles(store, limit=args.limit, site=args.site, since=args.since,
                             until=args.until, search=args.search)
        _print_articles((public(d) for d in docs), args.format)
    return EXIT_OK


def _print_articles(articles: Iterable[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(list(articles), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["id", "published", "site", "title", "url"])
        for a in articles:
            writer.writerow([a["id"], a["published"] or "", a["site"], a["title"], a["url"]])
    else:
        rows = [[a["id"], (a["published"] or "")[:16], a["site"], a["title"][:70], a["url"]]
                for a in articles]
        print(table(rows, ["id", "published", "site", "title", "url"]))
