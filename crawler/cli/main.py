"""The ``rasd`` command line: the argument parser and the dispatch to one module per command.

Each command is crawler/cli/<command>.py with its ``HELP`` line, ``add_arguments(parser)``
declaring its flags and ``run(args, config)``. Every command's module is imported to build the
parser, so it imports at its top only what declaring its arguments needs (the standard
library, ``crawler.cli.common``) and everything else inside ``run``: ``rasd --help`` and the
query commands never load Scrapy, Twisted, the extraction libraries, the store or the site
configs (tests/test_cli_startup.py checks it).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_CONFIG, EXIT_DB, EXIT_OK, EXIT_SOFTWARE, CliError, command_options, global_options
from crawler.storage.paths import default_db_path, legacy_db_path, legacy_default_problem

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


COMMANDS = ("crawl", "worker", "spool", "sites", "schedule", "runs", "status", "articles", "article", "export",
            "migrate", "demo", "parse", "serve", "watch")
"""Every command, in the order ``rasd --help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, each declared by its own module's ``add_arguments``."""
    parser = argparse.ArgumentParser(
        prog="rasd", parents=[global_options(None)],
        description="Rasd (رصد) crawls Arabic news sites into MongoDB or an embedded store.",
        epilog=f"Default database when neither --db nor RASD_DB is set: {default_db_path()} "
               f"(earlier Rasd versions kept it in the folder {legacy_db_path()}: see `rasd migrate`)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        command = importlib.import_module(f"crawler.cli.{name}")
        command.add_arguments(sub.add_parser(name, parents=[command_options()], help=command.HELP))
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
