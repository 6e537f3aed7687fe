"""``rasd articles``: list stored articles, search them, or count them."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import TYPE_CHECKING, Any

from crawler.cli.common import EXIT_OK, open_store, table

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    from crawler.storage.query import ArticleQuery, public

    query = ArticleQuery(sites=(args.site,) if args.site else (), since=args.since, until=args.until,
                         search=args.search, sort=args.sort, limit=args.limit)
    with open_store(config) as store:
        if args.count:
            print(store.count_articles(query))
            return EXIT_OK
        page = store.find_articles(query)
        articles = [public(d) for d in page.items]
        _print_articles(articles, args.format)
        if not articles:
            filtered = any((args.site, args.since, args.until, args.search))
            stored = store.count_articles(ArticleQuery()) if filtered else 0
            print(f"rasd: none of the {stored} stored articles match these filters" if stored else
                  "rasd: no articles stored yet: crawl a site first, e.g. `rasd crawl NAME` "
                  "(`rasd sites` lists them; `rasd demo` serves an offline demo site)", file=sys.stderr)
        elif args.limit and page.total > len(articles):
            order = "best matches first" if args.search and args.sort == "relevance" else "newest first"
            if page.ranked_among:
                order = f"best of the newest {page.ranked_among} matches first"
            total = page.total if page.exact else f"about {page.total} (estimated from the newest matches)"
            print(f"rasd: showing {len(articles)} of {total}, {order}; see more with "
                  f"--limit N or --limit 0 (all), or narrow with --site/--since/--search; "
                  f"--count counts them", file=sys.stderr)
    return EXIT_OK


def _print_articles(articles: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(articles, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["id", "published", "site", "title", "url"])
        for a in articles:
            writer.writerow([a["id"], a["published"] or "", a["site"], a["title"], a["url"]])
    elif articles:
        from crawler.urls import display_url

        rows = [[a["id"], (a["published"] or "")[:16], a["site"], (a["title"] or "")[:70], display_url(a["url"])]
                for a in articles]
        print(table(rows, ["id", "published", "site", "title", "url"]))
        for a in articles:  # a search's matches in context, under the table
            if a.get("snippet"):
                print(f"\n{a['id']}  {a['snippet']}")
