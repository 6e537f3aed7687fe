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
    add_scrapy_settings,
    check_known,
    json_line,
    open_store,
    pending_text,
    table,
)
from crawler.stats import DEGRADED, ERROR_SAMPLES, GIVEN_UP, LOST, REPLAYED, SPOOLED, errors
from crawler.urls import display_url

if TYPE_CHECKING:
    from crawler.cli.runner import CrawlSummary
    from crawler.config import SiteConfig
    from crawler.rasdconfig import RasdConfig


HELP = "crawl sites now"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--all", action="store_true", help="every active site (see `rasd sites`)")
    p.add_argument("-v", "--verbose", action="store_true", help="Scrapy's INFO log")
    add_scrapy_settings(p, "override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=0; repeatable")
    p.add_argument("--trigger", choices=("manual", "schedule"), default="manual", help=argparse.SUPPRESS)
    p.add_argument("--run-id", default=None, help=argparse.SUPPRESS)  # set by `rasd schedule`
    p.add_argument("--scheduler-pid", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--stats-file", metavar="FILE", help="write each site's crawl stats as JSON Lines")
    p.add_argument("--redis", metavar="URL", help="queue the crawl for `rasd worker`s sharing this Redis")
    p.add_argument("--backfill", action="store_true",
                   help="with --redis: the whole archive (every sitemap, listings to the end)")


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    """Choose the sites, check the store, crawl them in this process and report (or, with
    --redis, queue the crawl for the workers)."""
    sites, names = _chosen_sites(args, config)
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
    _check_store(config)
    summaries = _crawl(args, config, names)
    return _report(args, config, sites, names, summaries)


def _chosen_sites(args: argparse.Namespace, config: RasdConfig) -> tuple[dict[str, SiteConfig], list[str]]:
    """The configured sites and the names to crawl; a broken file of a site not asked for is
    left out with a warning rather than stopping the crawl."""
    from crawler.config import ConfigError
    from crawler.config import load_sites as load_sites_from

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
    return sites, names


def _check_store(config: RasdConfig) -> None:
    """Fail fast on a misconfigured database; an unreachable one is crawled for anyway, into
    the spool, when the spool can be written."""
    from crawler.storage.spool import Spool
    from crawler.storage.store import StoreError, StoreUnavailable, embedded_write_check

    spool = config.spool
    try:
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


def _crawl(args: argparse.Namespace, config: RasdConfig, names: list[str]) -> list[CrawlSummary]:
    from crawler.cli.runner import crawl, project_settings
    from crawler.storage.store import mask_secrets

    settings = project_settings(config, user=args.set or [], **{
        "RASD_SITE_NAMES": names,
        "RASD_PROGRESS": True,
        "RASD_TRIGGER": args.trigger,
        "RASD_RUN_ID": args.run_id,
        "LOG_LEVEL": "INFO" if args.verbose else "WARNING",
    })
    print(f"crawling {', '.join(names)} into {mask_secrets(config.db)}", file=sys.stderr)
    return crawl(names, settings)


def _report(args: argparse.Namespace, config: RasdConfig, sites: dict[str, SiteConfig], names: list[str],
            summaries: list[CrawlSummary]) -> int:
    """Each site's summary, network failures, degraded runs and what waits in the spool; the
    exit code says whether the crawl failed or left articles waiting."""
    from crawler.cli.runner import SUMMARY_COLUMNS
    from crawler.storage.spool import Spool
    from crawler.storage.store import StoreError

    spool = config.spool
    rows = [[s.site, *(getattr(s, c) for c in SUMMARY_COLUMNS), s.status, display_url(s.reason)]
            for s in summaries]
    print(table(rows, ["site", *SUMMARY_COLUMNS, "status", "reason"]))
    for s in summaries:
        for line in network_lines(s.site, s.stats):
            print(f"rasd: {line}", file=sys.stderr)
    failed = [s.site for s in summaries if s.status == "failed"]
    if args.stats_file:
        _write_stats(args.stats_file, summaries)
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
        _record_health(config, sites, names)
    sys.stderr.flush()
    blocked = [s.site for s in summaries if s.status == "blocked"]
    print(f"{len(failed)} of {len(summaries)} site(s) failed" + (f": {', '.join(failed)}" if failed else "")
          + (f"; {len(blocked)} blocked (the site refused us): {', '.join(blocked)}" if blocked else ""))
    return code


def _write_stats(path: str, summaries: list[CrawlSummary]) -> None:
    """--stats-file: each site's crawl stats as a JSON line, secrets masked."""
    from crawler.storage.query import iso
    from crawler.storage.store import mask_secrets

    with open(path, "w", encoding="utf-8") as fh:
        for s in summaries:
            fh.write(mask_secrets(json_line({"site": s.site, "stats": {k: iso(v) for k, v in
                                                                       s.stats.items()}})) + "\n")


def _record_health(config: RasdConfig, sites: dict[str, SiteConfig], names: list[str]) -> None:
    """A manual crawl's verdict on each site's health (alerts) and its saved searches' new matches."""
    from crawler.ops.alerts import record_health
    from crawler.ops.watches import notify_watches

    with open_store(config) as store:
        for name in names:
            record_health(store, sites[name], config.alert_webhook)
        notify_watches(store)


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
