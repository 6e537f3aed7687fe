"""``rasd articles``: list stored articles, or count them."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable
from typing import Any

from crawler.cli.common import EXIT_OK, open_store, table


def run(args: argparse.Namespace) -> int:
    from crawler.storage.query import count_articles, find_articles, public

    filters = {"site": args.site, "since": args.since, "until": args.until, "search": args.search}
    with open_store(args) as store:
        if args.count:
            print(count_articles(store, **filters))
            return EXIT_OK
        articles = [public(d) for d in find_articles(store, limit=args.limit, **filters)]
        _print_articles(articles, args.format)
        if not articles:
            stored = count_articles(store) if any(filters.values()) else 0
            print(f"rasd: none of the {stored} stored articles match these filters" if stored else
                  "rasd: no articles stored yet: crawl a site first, e.g. `rasd crawl NAME` "
                  "(`rasd sites` lists them; `rasd demo` serves an offline demo site)", file=sys.stderr)
        elif args.limit and len(articles) == args.limit:
            total = count_articles(store, **filters)
            if total > len(articles):
                print(f"rasd: showing {len(articles)} of {total}, newest first; see more with "
                      f"--limit N or --limit 0 (all), or narrow with --site/--since/--search; "
                      f"--count counts them", file=sys.stderr)
    return EXIT_OK


def _print_articles(articles: Iterable[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(list(articles), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["id", "published", "site", "title", "url"])
        for a in articles:
            writer.writerow([a["id"], a["published"] or "", a["site"], a["title"], a["url"]])
    elif articles:
        from crawler.urls import display_url

        rows = [[a["id"], (a["published"] or "")[:16], a["site"], a["title"][:70], display_url(a["url"])]
                for a in articles]
        print(table(rows, ["id", "published", "site", "title", "url"]))
