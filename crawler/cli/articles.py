"""``rasd articles``: list stored articles, or search them."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from crawler.cli.common import EXIT_OK, open_store, table


def run(args: argparse.Namespace) -> int:
    from crawler.storage.query import ArticleQuery, public

    query = ArticleQuery(sites=(args.site,) if args.site else (), since=args.since, until=args.until,
                         search=args.search, sort=args.sort, limit=args.limit)
    with open_store(args) as store:
        page = store.find_articles(query)
    _print_articles([public(d) for d in page.items], args.format)
    if args.format == "table":
        print(f"{len(page.items)} of {page.total} article(s)" + (f" matching {args.search!r}" if args.search else ""),
              file=sys.stderr)
    return EXIT_OK


def _print_articles(articles: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(articles, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["id", "published", "site", "title", "url"])
        for a in articles:
            writer.writerow([a["id"], a["published"] or "", a["site"], a["title"], a["url"]])
    else:
        rows = [[a["id"], (a["published"] or "")[:16], a["site"], (a["title"] or "")[:70], a["url"]]
                for a in articles]
        print(table(rows, ["id", "published", "site", "title", "url"]))
        for a in articles:  # a search's matches in context, under the table
            if a.get("snippet"):
                print(f"\n{a['id']}  {a['snippet']}")
