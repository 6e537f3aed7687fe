"""``rasd crawl``: crawl sites now, in this process, and summarise each one."""

from __future__ import annotations

import argparse
import sys

from crawler.cli.common import (
    EXIT_DEGRADED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    check_known,
    json_line,
    load_sites,
    open_store,
    pending_text,
    table,
)


def run(args: argparse.Namespace) -> int:
    from crawler.cli.runner import SUMMARY_COLUMNS, crawl, project_settings
    from crawler.config import site_dirs
    from crawler.storage.query import iso
    from crawler.storage.spool import Spool, spool_dir
    from crawler.storage.store import (
        StoreError,
        StoreUnavailable,
        embedded_write_check,
        mask_secrets,
        resolve_db,
    )

    sites = load_sites(args)
    names = sorted(sites) if args.all else args.names
    if not names:
        raise CliError("name at least one site, or --all (see `rasd sites`)", EXIT_USAGE)
    check_known(names, sites)
    if args.run_id and len(names) != 1:
        raise CliError("--run-id needs exactly one site", EXIT_USAGE)
    if args.scheduler_pid:
        from crawler.ops.scheduler import follow_scheduler_death

        follow_scheduler_death(args.scheduler_pid)
    spool = spool_dir(resolve_db(args.db), args.spool)
    try:  # fail fast on a misconfigured database; an unreachable one is spooled for
        problem = embedded_write_check(resolve_db(args.db))
        if problem:
            raise StoreUnavailable(f"cannot write the database: {problem}")
        open_store(args).close()
    except StoreUnavailable as exc:
        try:
            Spool(spool).check_writable()
        except OSError as spool_exc:
            raise StoreError(f"{exc}; and the spool {spool} cannot be written either: "
                             f"{spool_exc.strerror or spool_exc}") from spool_exc
        print(f"rasd: warning: {exc}\nrasd: crawling anyway; articles wait in the spool at {spool} "
              "until the database is back", file=sys.stderr)
    settings = project_settings(user=args.set or [], **{
        "RASD_DB": resolve_db(args.db),
        "RASD_SPOOL": str(spool),
        "RASD_SITE_DIRS": [str(d) for d in site_dirs(args.sites or [])],
        "RASD_PROGRESS": True,
        "RASD_TRIGGER": args.trigger,
        "RASD_RUN_ID": args.run_id,
        "LOG_LEVEL": "INFO" if args.verbose else "WARNING",
    })
    print(f"crawling {', '.join(names)} into {mask_secrets(resolve_db(args.db))}", file=sys.stderr)
    summaries = crawl(names, settings)
    rows = [[s.site, *(getattr(s, c) for c in SUMMARY_COLUMNS)] for s in summaries]
    print(table(rows, ["site", *SUMMARY_COLUMNS]))
    if args.stats_file:
        with open(args.stats_file, "w", encoding="utf-8") as fh:
            for s in summaries:
                fh.write(mask_secrets(json_line({"site": s.site, "stats": {k: iso(v) for k, v in
                                                                           s.stats.items()}})) + "\n")
    degraded = [s for s in summaries if s.stats.get("rasd/degraded")]
    waiting = Spool(spool).waiting()
    for s in degraded:
        print(f"rasd: {s.site}: degraded run: the database was unavailable; "
              f"{s.stats.get('rasd/spooled', 0)} article(s) spooled, "
              f"{s.stats.get('rasd/replayed', 0)} replayed", file=sys.stderr)
    lost = sum(s.stats.get("rasd/lost", 0) for s in summaries)
    if lost:
        raise StoreError(f"{lost} article(s) could be neither stored nor spooled (spool {spool}); "
                         "the crawl stopped, the next one fetches them again")
    if any(waiting.values()):
        print(f"rasd: {pending_text(waiting)} wait in the spool at {spool}; they are stored when "
              "the database is back (next crawl, or `rasd spool --replay`)", file=sys.stderr)
        return EXIT_DEGRADED
    if args.trigger == "manual":  # the scheduler settles its runs before judging
        from crawler.ops.alerts import record_health

        with open_store(args) as store:
            for name in names:
                record_health(store, sites[name])
    return EXIT_OK
