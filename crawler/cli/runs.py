"""``rasd runs``: recorded crawl runs, newest first."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_OK, open_store, table

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    from crawler.ops.runs import RUN_COLUMNS, find_runs, public_run, run_row

    with open_store(config) as store:
        runs = find_runs(store, site=args.site, limit=args.limit)
    if args.format == "json":
        print(json.dumps([public_run(r) for r in runs], ensure_ascii=False, indent=2))
    else:
        print(table([run_row(r) for r in runs], RUN_COLUMNS))
    return EXIT_OK
