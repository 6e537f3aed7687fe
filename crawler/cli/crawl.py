"""``rasd crawl``: crawl sites now, in this process, and summarise each one."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from crawler.cli.common import (
    EXIT_DEGRADED,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    active_sites,
    check_known,
    json_line,
    open_store,
    pending_text,
    table,
)
from crawler.stats import DEGRADED, ERROR_SAMPLES, GIVEN_UP, LOST, REPLAYED, SPOOLED, errors
from crawler.urls import display_url

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    from crawler.cli.runner import SUMMARY_COLUMNS, crawl, project_settings
    from crawler.config import ConfigError
    from crawler.config import load_sites as load_sites_from
    from crawler.storage.query import iso
    from crawler.storage.spool import Spool
    from crawler.storage.store import StoreError, StoreUnavailable, embedded_write_check, mask_secrets

    if args.all:
        sites, names = active_sites(config)
    else:  # only the named sites' files must load (a broken other one is left out)
        problems: list[ConfigError] = []
        sites = load_sites_from(config.site_dirs, need=args.names, problems=problems)
        if args.trigger == "manual":  # the scheduler reports a broken file once, not every crawl
            for broken in problems:
                print(f"rasd: warning: config error: {broken}; that site is left out", file=sys.stderr)
        names = args.names
    if not names:
        raise CliError("name at least one site, or --all (see `rasd sites`)", EXIT_USAGE)
    check_known(names, sites)
    if args.redis and not args.run_id:
        from crawler.cli.worker import enqueue

        return enqueue(args, config, names)
    if args.backfill:
        raise CliError("--backfill needs --redis (the workers share the archive)", EXIT_USAGE)
    if args.run_id and len(names) != 1:
        raise CliError("--run-id needs exactly one site", EXIT_USAGE)
    if args.scheduler_pid:
        from crawler.ops.scheduler import follow_scheduler_death

        follow_scheduler_death(args.scheduler_pid)
    spool = config.spool
    try:  # fail fast on a misconfigured database; an unreachable one is spooled for
        problem = embedded_write_check(config.db)
        if problem:
            raise StoreUnavailable(f"cannot write the database: {problem}")
        open_store(config).close()
    except StoreUnavailable as exc:
        try:
            Spool(spool).check_writable()
        except OSError as spool_exc:
            raise StoreError(f"{exc}; and the spool {spool} cannot be written either: "
                             f"{spool_exc.strerror or spool_exc}") from spool_exc
        print(f"rasd: warning: {exc}\nrasd: crawling anyway; articles wait in the spool at {spool} "
              "until the database is back", file=sys.stderr)
    settings = project_settings(config, user=args.set or [], **{
        "RASD_SITE_NAMES": names,
        "RASD_PROGRESS": True,
        "RASD_TRIGGER": args.trigger,
        "RASD_RUN_ID": args.run_id,
        "LOG_LEVEL": "INFO" if args.verbose else "WARNING",
    })
    print(f"crawling {', '.join(names)} into {mask_secrets(config.db)}", file=sys.stderr)
    summaries = crawl(names, settings)
    rows = [[s.site, *(getattr(s, c) for c in SUMMARY_COLUMNS), s.status, display_url(s.reason)]
            for s in summaries]
    print(table(rows, ["site", *SUMMARY_COLUMNS, "status", "reason"]))
    for s in summaries:
        for line in network_lines(s.site, s.stats):
            print(f"rasd: {line}", file=sys.stderr)
    failed = [s.site for s in summaries if s.status == "failed"]
    if args.stats_file:
        with open(args.stats_file, "w", encoding="utf-8") as fh:
            for s in summaries:
                fh.write(mask_secrets(json_line({"site": s.site, "stats": {k: iso(v) for k, v in
                                                                           s.stats.items()}})) + "\n")
    degraded = [s for s in summaries if s.stats.get(DEGRADED)]
    waiting = Spool(spool).waiting()
    for s in degraded:
        print(f"rasd: {s.site}: degraded run: the database was unavailable; "
              f"{s.stats.get(SPOOLED, 0)} article(s) spooled, "
              f"{s.stats.get(REPLAYED, 0)} replayed", file=sys.stderr)
    lost = sum(s.stats.get(LOST, 0) for s in summaries)
    if lost:
        raise StoreError(f"{lost} article(s) could be neither stored nor spooled (spool {spool}); "
                         "the crawl stopped, the next one fetches them again")
    code = EXIT_FAILED if failed and len(failed) == len(summaries) else EXIT_OK
    if any(waiting.values()):
        print(f"rasd: {pending_text(waiting)} wait in the spool at {spool}; they are stored when "
              "the database is back (next crawl, or `rasd spool --replay`)", file=sys.stderr)
        code = EXIT_DEGRADED
    elif args.trigger == "manual":  # the scheduler settles its runs before judging
        from crawler.ops.alerts import record_health
        from crawler.ops.watches import notify_watches

        with open_store(config) as store:
            for name in names:
                record_health(store, sites[name], config.alert_webhook)
            notify_watches(store)
    sys.stderr.flush()
    blocked = [s.site for s in summaries if s.status == "blocked"]
    print(f"{len(failed)} of {len(summaries)} site(s) failed" + (f": {', '.join(failed)}" if failed else "")
          + (f"; {len(blocked)} blocked (the site refused us): {', '.join(blocked)}" if blocked else ""))
    return code


def network_lines(site: str, stats: dict[str, Any]) -> list[str]:
    """One line per kind of network failure of a site, and one per host given up: what a
    crawl without network says instead of a traceback per request."""
    from crawler.fetch.failures import NETWORK_KINDS

    samples = stats.get(ERROR_SAMPLES) or []
    lines = []
    for kind in sorted(NETWORK_KINDS):
        count = stats.get(errors(kind), 0)
        if count:
            sample = next((x[len(kind) + 2:] for x in samples if x.startswith(f"{kind}: ")), "")
            lines.append(f"{site}: {count} request(s) failed: {kind}" + (f" (e.g. {display_url(sample)})"
                                                                        if sample else ""))
    skipped = stats.get(errors("host_given_up"), 0)
    for host, why in (stats.get(GIVEN_UP) or {}).items():
        lines.append(f"{site}: gave up on {host}: {why}; {skipped} request(s) not sent")
    return lines
