"""``rasd status``: site health; exit 0 only when every site is healthy."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_OK, chosen_sites, open_store, table

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    from crawler.ops.health import HEALTHY, all_health

    sites = chosen_sites(args, config)
    with open_store(config) as store:
        report = all_health(store, sites)
    if args.format == "json":
        print(json.dumps([h.public() for h in report], ensure_ascii=False, indent=2))
    else:
        rows = [[h.site, h.state, _short_time(h.last_run), h.last_status, _short_time(h.last_success),
                 h.consecutive_failures, h.articles_24h, h.zero_article_runs,
                 "" if h.parse_failure_rate is None else f"{h.parse_failure_rate:.0%}", h.reason]
                for h in report]
        print(table(rows, ["site", "state", "last run", "status", "last success", "failures",
                           "articles 24h", "empty runs", "parse fail", "reason"]))
    return EXIT_OK if all(h.state == HEALTHY for h in report) else 1


def _short_time(value: datetime | None) -> str:
    from crawler.storage.query import iso

    return iso(value)[:19].replace("T", " ") if value else ""
