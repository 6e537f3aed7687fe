"""``rasd watch``: saved searches whose new matches go to a webhook after each crawl."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crawler.ops.alerts import redact_url
from crawler.storage.query import iso
from crawler.storage.store import Store
from crawler.storage.watches import add_watch, list_watches, remove_watch

EXIT_USAGE = 64


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("watch", parents=[common],
                       help="saved searches: new matches after each crawl are POSTed to a webhook")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("add", parents=[common], help="save a search (replaces one of the same name)")
    a.add_argument("name")
    a.add_argument("query", help="search text, as in `rasd articles --search`")
    a.add_argument("--webhook", metavar="URL", help="where new matches are POSTed as JSON")
    a.add_argument("--site", action="append", default=[], help="only these sites; repeatable")
    actions.add_parser("list", parents=[common], help="saved searches").add_argument(
        "--format", choices=("table", "json"), default="table")
    r = actions.add_parser("remove", parents=[common], help="delete a saved search")
    r.add_argument("name")
    p.set_defaults(func=cmd_watch)


def _shown(watch: dict[str, Any]) -> dict[str, Any]:
    """A watch for output: the webhook without its secrets."""
    out = {k: iso(v) for k, v in watch.items() if k not in ("_id", "delivered_ids")}
    out["name"] = watch["_id"]
    out["webhook"] = redact_url(watch["webhook"]) if watch.get("webhook") else None
    return out


def cmd_watch(args: argparse.Namespace) -> int:
    with Store(args.db) as store:
        if args.action == "add":
            if not args.name.strip() or not args.query.strip():
                print("rasd: watch add: NAME and QUERY must not be empty", file=sys.stderr)
                return EXIT_USAGE
            if args.webhook and not args.webhook.startswith(("http://", "https://")):
                print(f"rasd: watch add: --webhook must be an http(s) URL, got {redact_url(args.webhook)}",
                      file=sys.stderr)
                return EXIT_USAGE
            add_watch(store, args.name.strip(), args.query.strip(), args.webhook, tuple(args.site))
            print(f"watch {args.name!r} saved: articles stored from now on that match {args.query!r} "
                  + (f"go to {redact_url(args.webhook)} after each crawl" if args.webhook else
                     "are listed on the dashboard (no --webhook)"))
        elif args.action == "remove":
            if not remove_watch(store, args.name):
                print(f"rasd: no watch named {args.name!r}", file=sys.stderr)
                return 1
        else:
            watches = [_shown(w) for w in list_watches(store)]
            if args.format == "json":
                print(json.dumps(watches, ensure_ascii=False, indent=2))
            for w in watches if args.format == "table" else []:
                print(f"{w['name']}\t{w['search']}\t{','.join(w['sites']) or 'all sites'}\t"
                      f"{w['webhook'] or 'no webhook'}\tdelivered until {w['delivered_until']}")
    return 0
