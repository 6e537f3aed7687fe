"""The ``rasd`` command line: the argument parser and the dispatch to one module per command
(crawler/cli/<command>.py, each exposing ``run(args)``).

A command's module is imported only when that command runs, and imports what it needs
inside: ``rasd --help`` and the query commands never load Scrapy, Twisted or the extraction
libraries (tests/test_cli_startup.py checks it).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_CONFIG, EXIT_DB, EXIT_OK, EXIT_SOFTWARE, CliError, setting, when
from crawler.storage.paths import default_db_path, legacy_db_path, legacy_default_problem

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def build_parser() -> argparse.ArgumentParser:
    def global_options(default: object) -> argparse.ArgumentParser:
        opts = argparse.ArgumentParser(add_help=False)
        opts.add_argument("--db", default=default, help="MongoDB URI or embedded-store path (env RASD_DB)")
        opts.add_argument("--spool", default=default, metavar="DIR",
                          help="where articles wait while the database is down (env RASD_SPOOL; "
                               "default: beside the embedded store, or the user data folder)")
        opts.add_argument("--sites", action="append", metavar="DIR", default=default,
                          help="extra folder of site configs (env RASD_SITES); repeatable")
        return opts

    # The options are accepted before and after the command; after it they must not reset
    # what was given before it, hence SUPPRESS as the subcommands' default.
    common = global_options(argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="rasd", parents=[global_options(None)],
        description="Rasd (رصد) crawls Arabic news sites into MongoDB or an embedded store.",
        epilog=f"Default database when neither --db nor RASD_DB is set: {default_db_path()} "
               f"(earlier Rasd versions kept it in the folder {legacy_db_path()}: see `rasd migrate`)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("crawl", parents=[common], help="crawl sites now")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--all", action="store_true", help="every active site (see `rasd sites`)")
    p.add_argument("-v", "--verbose", action="store_true", help="Scrapy's INFO log")
    p.add_argument("-s", "--set", action="append", type=setting, metavar="NAME=VALUE",
                   help="override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=0; repeatable")
    p.add_argument("--trigger", choices=("manual", "schedule"), default="manual", help=argparse.SUPPRESS)
    p.add_argument("--run-id", default=None, help=argparse.SUPPRESS)  # set by `rasd schedule`
    p.add_argument("--scheduler-pid", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--stats-file", metavar="FILE", help="write each site's crawl stats as JSON Lines")
    p.add_argument("--redis", metavar="URL", help="queue the crawl for `rasd worker`s sharing this Redis")
    p.add_argument("--backfill", action="store_true",
                   help="with --redis: the whole archive (every sitemap, listings to the end)")

    p = sub.add_parser("worker", parents=[common],
                       help="crawl whatever runs are open in Redis, until stopped (several machines)")
    p.add_argument("--redis", metavar="URL", help="Redis URL, redis://host:6379/0")
    p.add_argument("--id", help="worker id (default: host:pid:random)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug log")
    p.add_argument("-s", "--set", action="append", type=setting, metavar="NAME=VALUE",
                   help="override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=0; repeatable")

    p = sub.add_parser("spool", parents=[common],
                       help="articles and run records waiting for the database (spooled during an outage)")
    p.add_argument("--replay", action="store_true", help="store them now")
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = sub.add_parser("sites", parents=[common],
                       help="list configured sites with their health; details or a live check of one")
    p.add_argument("names", nargs="*", metavar="NAME", help="show these sites' entry points and layouts")
    p.add_argument("--check", action="store_true",
                   help="fetch one entry point and one article of each NAME (default: the active sites) "
                        "and say whether each site can be read here: ok, blocked or failing")
    p.add_argument("--all", action="store_true",
                   help="every configured site, active or not (see README: Active sites); with --check, "
                        "checked in parallel")
    p.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="with --check: give up on a site after this long (default 60)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("-v", "--verbose", action="store_true", help="Scrapy's INFO log (with --check)")
    p.add_argument("-s", "--set", action="append", type=setting, metavar="NAME=VALUE",
                   help="override a Scrapy setting for --check; repeatable")

    p = sub.add_parser("schedule", parents=[common],
                       help="crawl every site on its schedule until stopped (SIGTERM/Ctrl-C)")
    p.add_argument("names", nargs="*", metavar="NAME", help="only these sites (default: the active ones)")
    p.add_argument("--max-parallel", type=int, default=None,
                   help="crawls running at once (default: number of CPU cores)")
    p.add_argument("--grace", type=float, default=30.0,
                   help="seconds running crawls get to finish on SIGTERM (default 30)")
    p.add_argument("--log-file", type=Path, default=None,
                   help="rotating log file (env RASD_LOG_FILE; default in the user log folder)")
    p.add_argument("--dry-run", action="store_true", help="print what would run and when, then exit")
    p.add_argument("-v", "--verbose", action="store_true", help="debug log, Scrapy's INFO log")
    p.add_argument("-s", "--set", action="append", type=setting, metavar="NAME=VALUE",
                   help="Scrapy setting for every crawl, e.g. -s DOWNLOAD_DELAY=0; repeatable")
    p.add_argument("--redis", metavar="URL",
                   help="open each slot's run in Redis for `rasd worker`s instead of crawling here")

    p = sub.add_parser("runs", parents=[common], help="recorded crawl runs, newest first")
    p.add_argument("--site")
    p.add_argument("--limit", type=int, default=20, help="0 = no limit (default 20)")
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = sub.add_parser("status", parents=[common],
                       help="site health; exit code 0 only when every site is healthy")
    p.add_argument("names", nargs="*", metavar="NAME", help="only these sites (default: the active ones)")
    p.add_argument("--format", choices=("table", "json"), default="table")

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--site")
        p.add_argument("--since", type=when, help="ISO date/time or look-back such as 24h, 7d")
        p.add_argument("--until", type=when)

    p = sub.add_parser("articles", parents=[common], help="list stored articles")
    filters(p)
    p.add_argument("--search", metavar="QUERY",
                   help='words in title, body or tags, all required; "a phrase"; -word excludes '
                        "(Arabic spelling, clitics and endings insensitive); ranked by relevance")
    p.add_argument("--sort", choices=("relevance", "date"), default="relevance",
                   help="order of --search results (default relevance; without --search: date)")
    p.add_argument("--limit", type=int, default=50, help="0 = no limit (default 50)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--count", action="store_true", help="print only how many articles match")

    p = sub.add_parser("article", parents=[common], help="one article with its read-also links")
    p.add_argument("ref", metavar="URL_OR_ID")
    p.add_argument("--versions", action="store_true", help="its edit history, with a diff of each edit")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = sub.add_parser("export", parents=[common], help="JSON Lines of stored articles on stdout")
    filters(p)

    p = sub.add_parser(
        "migrate", parents=[common],
        help="copy articles, versions, runs and site health from one store into another",
        description="Copies everything missing at the destination; run it again after an "
                    "interruption to resume (nothing is copied twice). The source is never changed.")
    p.add_argument("--from", dest="source", required=True, metavar="URI_OR_PATH",
                   help="old litemongo store folder, embedded store file or MongoDB URI")
    p.add_argument("--to", dest="dest", default=None, metavar="URI_OR_PATH",
                   help="embedded store file or MongoDB URI (default: --db / RASD_DB / the default store)")
    p.add_argument("--merge", action="store_true", help="add to a destination that already holds other articles")

    p = sub.add_parser("demo", parents=[common],
                       help="serve an Arabic demo news site on 127.0.0.1 to try Rasd offline")
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 = any free port)")
    p.add_argument("--dir", metavar="DIR",
                   help="where its site config and store go (default: the user data folder's demo/)")
    p.add_argument("--articles", type=int, default=30, help="articles at start (default 30)")
    p.add_argument("--publish-every", type=int, default=120, metavar="SECONDS",
                   help="publish a new article this often, also the demo site's schedule (default 120)")

    p = sub.add_parser("parse", parents=[common], help="parse a saved page offline, store nothing")
    p.add_argument("file")
    p.add_argument("--url", required=True, help="the URL the page was saved from")
    p.add_argument("--site", help="site config to use (default: the one owning --url)")

    p = sub.add_parser("serve", parents=[common],
                       help="browse, search and watch the stored articles in a web browser (read-only)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; any other needs --token)")
    p.add_argument("--port", type=int, default=8080, help="default 8080")
    p.add_argument("--token", default=None, help="access token for every page and API call (env "
                   "RASD_SERVE_TOKEN); required when listening beyond this machine")
    p.add_argument("--access-log", action="store_true", help="log every request")

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
    actions.add_parser("remove", parents=[common], help="delete a saved search").add_argument("name")
    return parser


def command_config(args: argparse.Namespace) -> RasdConfig:
    """The command's configuration, resolved once from its flags, the environment and the
    defaults; every command gets it from here (crawler.rasdconfig)."""
    from crawler.rasdconfig import resolve_config

    return resolve_config(db=args.db, spool=args.spool, sites=args.sites or (),
                          log_file=getattr(args, "log_file", None), serve_token=getattr(args, "token", None))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from crawler import logmask
    from crawler.config import ConfigError
    from crawler.storage.store import StoreError, mask_secrets

    logmask.install()
    try:
        config = command_config(args)
        problem = None if args.command in ("migrate", "parse", "demo") else legacy_default_problem(config.db)
        if problem:
            raise StoreError(problem)
        return importlib.import_module(f"crawler.cli.{args.command}").run(args, config)
    except ConfigError as exc:
        print(f"rasd: config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StoreError as exc:
        print(f"rasd: database error: {mask_secrets(str(exc))}", file=sys.stderr)
        return EXIT_DB
    except CliError as exc:
        print(f"rasd: {mask_secrets(str(exc))}", file=sys.stderr)
        return exc.code
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception:  # a bug: show it, but never with a credential in it
        import traceback

        print(mask_secrets(traceback.format_exc()), file=sys.stderr, end="")
        return EXIT_SOFTWARE


if __name__ == "__main__":
    sys.exit(main())
