"""``rasd schedule``: crawl every site on its schedule until stopped."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_CONFIG, EXIT_OK, EXIT_USAGE, CliError, chosen_sites

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    from crawler.ops.logs import setup_logging
    from crawler.ops.scheduler import CrawlScheduler, Options, describe, plan
    from crawler.storage.store import open_store

    sites = chosen_sites(args, config)
    if not sites:
        raise CliError("no sites configured (see `rasd sites`)", EXIT_CONFIG)
    if args.max_parallel is not None and args.max_parallel < 1:
        raise CliError("--max-parallel must be at least 1", EXIT_USAGE)
    if args.dry_run:
        with open_store(config.db) as store:
            print("\n".join(describe(plan(store, sites))))
        return EXIT_OK
    open_store(config.db).close()
    log_file = setup_logging(config.log_file, args.verbose)
    print(f"rasd schedule: logging to {log_file}", file=sys.stderr)
    options = Options(config=config, grace=args.grace, settings=args.set or [], verbose=args.verbose)
    if args.redis:
        from crawler.cli.worker import schedule

        return schedule(args, sites, options)
    # Each crawl is a process of its own, on both backends (the embedded store's writers
    # queue for its write lock, one short transaction per article).
    options.max_parallel = args.max_parallel or options.max_parallel
    return CrawlScheduler(sites, options).serve()
