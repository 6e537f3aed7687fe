"""``rasd watch``: saved searches whose new matches go to a webhook after each crawl
(delivered by crawler.ops.watches)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from crawler.cli.common import EXIT_OK, EXIT_USAGE, CliError, open_store

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def _shown(watch: dict[str, Any]) -> dict[str, Any]:
    """A watch for output: the webhook without its secrets."""
    from crawler.ops.alerts import redact_url
    from crawler.storage.query import iso

    out = {"name": watch["_id"], **{k: iso(v) for k, v in watch.items() if k not in ("_id", "delivered_ids")}}
    out["webhook"] = redact_url(watch["webhook"]) if watch.get("webhook") else None
    return out


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    from crawler.ops.alerts import redact_url
    from crawler.storage.watches import add_watch, list_watches, remove_watch

    if args.action == "add":
        name, query = args.name.strip(), args.query.strip()
        if not name or not query:
            raise CliError("watch add: NAME and QUERY must not be empty", EXIT_USAGE)
        if args.webhook and not args.webhook.startswith(("http://", "https://")):
            raise CliError(f"watch add: --webhook must be an http(s) URL, got {redact_url(args.webhook)}", EXIT_USAGE)
    with open_store(config) as store:
        if args.action == "add":
            add_watch(store, name, query, args.webhook, tuple(args.site))
            print(f"watch {name!r} saved: articles stored from now on that match {query!r} "
                  + (f"go to {redact_url(args.webhook)} after each crawl" if args.webhook else
                     "are listed on the dashboard (no --webhook)"))
        elif args.action == "remove":
            if not remove_watch(store, args.name):
                raise CliError(f"no watch named {args.name!r}", 1)
        else:
            watches = [_shown(w) for w in list_watches(store)]
            if args.format == "json":
                print(json.dumps(watches, ensure_ascii=False, indent=2))
            else:
                for w in watches:
                    print(f"{w['name']}\t{w['search']}\t{','.join(w['sites']) or 'all sites'}\t"
                          f"{w['webhook'] or 'no webhook'}\tdelivered until {w['delivered_until']}")
    return EXIT_OK
