"""The ``rasd`` command line."""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy.utils.misc import load_object

from crawler import logmask
from crawler.cli import migrate
from crawler.config import ConfigError, SiteConfig, load_sites, site_dirs
from crawler.fetch.encoding import decode_page
from crawler.items import RawPage
from crawler.storage.history import history
from crawler.storage.query import ArticleQuery, get_article, iso, public, stored_urls
from crawler.storage.spool import ARTICLE, RUN, Spool, pending, spool_dir
from crawler.storage.store import (
    Store,
    StoreError,
    StoreUnavailable,
    default_db_path,
    embedded_write_check,
    is_mongo_uri,
    legacy_db_path,
    legacy_default_problem,
    mask_secrets,
    resolve_db,
    utcnow,
)
from crawler.urls import canonical_url
from pipelines import OFFLINE_STAGES
from pipelines.store import to_document

# EXIT_DEGRADED (EX_TEMPFAIL): the crawl ran, but articles still wait in the spool.
EXIT_OK, EXIT_USAGE, EXIT_CONFIG, EXIT_DB, EXIT_DEGRADED, EXIT_SOFTWARE = 0, 64, 2, 3, 75, 70


class CliError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


# --- helpers ------------------------------------------------------------------------------

def _sites(args: argparse.Namespace) -> dict[str, SiteConfig]:
    return load_sites(site_dirs(args.sites or []))


def _store(args: argparse.Namespace) -> Store:
    return Store(args.db)


def _when(text: str) -> datetime:
    """ISO date/time (UTC unless given) or a look-back like 24h / 7d."""
    m = re.fullmatch(r"(\d+)([mhd])", text.strip())
    if m:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
        return utcnow() - timedelta(**{unit: int(m.group(1))})
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date, time or look-back (24h, 7d): {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def _table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _json_line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


# --- commands -----------------------------------------------------------------------------

def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.cli.runner import SUMMARY_COLUMNS, crawl, project_settings

    sites = _sites(args)
    names = sorted(sites) if args.all else args.names
    if not names:
        raise CliError("name at least one site, or --all (see `rasd sites`)", EXIT_USAGE)
    unknown = [n for n in names if n not in sites]
    if unknown:
        raise CliError(f"unknown site(s): {', '.join(unknown)} (known: {', '.join(sorted(sites))})",
                       EXIT_CONFIG)
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
        _store(args).close()
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
    print(_table(rows, ["site", *SUMMARY_COLUMNS]))
    if args.stats_file:
        with open(args.stats_file, "w", encoding="utf-8") as fh:
            for s in summaries:
                fh.write(mask_secrets(_json_line({"site": s.site, "stats": {k: iso(v) for k, v in
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
        print(f"rasd: {_pending_text(waiting)} wait in the spool at {spool}; they are stored when "
              "the database is back (next crawl, or `rasd spool --replay`)", file=sys.stderr)
        return EXIT_DEGRADED
    if args.trigger == "manual":  # the scheduler settles its runs before judging
        from crawler.ops.alerts import record_health

        with _store(args) as store:
            for name in names:
                record_health(store, sites[name])
    return EXIT_OK


def _pending_text(counts: Mapping[str, int]) -> str:
    """What waits in a spool, in words: "8 article(s) and 2 run record update(s)"."""
    parts = [f"{counts.get(ARTICLE, 0)} article(s)"]
    if counts.get(RUN):
        parts.append(f"{counts[RUN]} run record update(s)")
    return " and ".join(parts)


def _health(args: argparse.Namespace, sites: Iterable[SiteConfig]) -> dict[str, Any]:
    """Health per site from the database, when there is one; listing sites never creates it."""
    from crawler.ops.health import site_health

    uri = resolve_db(args.db)
    if not is_mongo_uri(uri) and not Path(uri).expanduser().exists():
        return {}
    try:
        with Store(uri) as store:
            return {s.name: site_health(store, s) for s in sites}
    except StoreError as exc:
        print(f"rasd: health unavailable: {exc}", file=sys.stderr)
        return {}


def _health_words(health: Any) -> str:
    if health is None:
        return "unknown (no database yet)"
    return f"{health.state}: {health.reason}, {health.articles_24h} articles in 24h"


def _entry_kinds(site: SiteConfig) -> str:
    counts = (("feed", len(site.feeds)), ("sitemap", len(site.sitemaps)), ("listing", len(site.start_urls)))
    return ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in counts if n)


def _site_json(site: SiteConfig, health: Any) -> dict[str, Any]:
    return {
        "name": site.name, "title": site.title, "schedule": site.schedule, "render": site.render,
        "timezone": site.timezone, "feeds": list(site.feeds), "sitemaps": list(site.sitemaps),
        "listings": list(site.start_urls), "article_urls": [p.pattern for p in site.article_urls],
        "selectors": sorted(site.selectors),
        "layouts": [{"name": lo.name, "since": lo.since and lo.since.isoformat(),
                     "until": lo.until and lo.until.isoformat(), "selectors": sorted(lo.own_selectors)}
                    for lo in site.layouts],
        "config": str(site.path),
        "health": None if health is None else {
            "state": health.state, "reason": health.reason, "articles_24h": health.articles_24h,
            "last_run": iso(health.last_run)},
    }


def _print_site_details(site: SiteConfig, health: Any) -> None:
    print(f"{site.name} — {site.title}")
    print(f"  schedule {site.schedule} · render {'yes' if site.render else 'no'} · {site.timezone}"
          f" · {site.path}")
    print(f"  health: {_health_words(health)}")
    for kind, urls in (("feed", site.feeds), ("sitemap", site.sitemaps), ("listing", site.start_urls)):
        for url in urls:
            print(f"  {kind:<8} {url}")
    for pattern in site.article_urls:
        print(f"  article  {pattern.pattern}")
    if site.selectors:
        print(f"  selectors: {', '.join(sorted(site.selectors))}")
    for lo in site.layouts:
        span = f"{lo.since or '…'} – {lo.until or '…'}"
        print(f"  layout {lo.name} ({span}): {', '.join(sorted(lo.own_selectors))}")


def _chosen_sites(args: argparse.Namespace) -> list[SiteConfig]:
    sites = _sites(args)
    unknown = [n for n in args.names if n not in sites]
    if unknown:
        raise CliError(f"unknown site(s): {', '.join(unknown)} (known: {', '.join(sorted(sites))})",
                       EXIT_CONFIG)
    return [sites[n] for n in (args.names or sorted(sites))]


def cmd_schedule(args: argparse.Namespace) -> int:
    from crawler.ops.logs import setup_logging
    from crawler.ops.scheduler import CrawlScheduler, Options, describe, plan

    sites = _chosen_sites(args)
    if not sites:
        raise CliError("no sites configured (see `rasd sites`)", EXIT_CONFIG)
    if args.max_parallel is not None and args.max_parallel < 1:
        raise CliError("--max-parallel must be at least 1", EXIT_USAGE)
    db = resolve_db(args.db)
    if args.dry_run:
        with Store(db) as store:
            print("\n".join(describe(plan(store, sites))))
        return EXIT_OK
    _store(args).close()
    log_file = setup_logging(args.log_file, args.verbose)
    print(f"rasd schedule: logging to {log_file}", file=sys.stderr)
    options = Options(db=db, site_dirs=[str(d) for d in args.sites or []], grace=args.grace,
                      settings=args.set or [], verbose=args.verbose, spool=args.spool)
    # Each crawl is a process of its own, on both backends (the embedded store's writers
    # queue for its write lock, one short transaction per article).
    options.max_parallel = args.max_parallel or options.max_parallel
    return CrawlScheduler(sites, options).serve()


def cmd_runs(args: argparse.Namespace) -> int:
    from crawler.ops.runs import RUN_COLUMNS, find_runs, public_run, run_row

    with _store(args) as store:
        runs = find_runs(store, site=args.site, limit=args.limit)
    if args.format == "json":
        print(json.dumps([public_run(r) for r in runs], ensure_ascii=False, indent=2))
    else:
        print(_table([run_row(r) for r in runs], RUN_COLUMNS))
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from crawler.ops.health import HEALTHY, all_health

    sites = _chosen_sites(args)
    with _store(args) as store:
        report = all_health(store, sites)
    if args.format == "json":
        print(json.dumps([h.public() for h in report], ensure_ascii=False, indent=2))
    else:
        rows = [[h.site, h.state, _short_time(h.last_run), h.last_status, _short_time(h.last_success),
                 h.consecutive_failures, h.articles_24h, h.zero_article_runs,
                 "" if h.parse_failure_rate is None else f"{h.parse_failure_rate:.0%}", h.reason]
                for h in report]
        print(_table(rows, ["site", "state", "last run", "status", "last success", "failures",
                            "articles 24h", "empty runs", "parse fail", "reason"]))
    return EXIT_OK if all(h.state == HEALTHY for h in report) else 1


def _short_time(value: datetime | None) -> str:
    return iso(value)[:19].replace("T", " ") if value else ""


def cmd_sites(args: argparse.Namespace) -> int:
    sites = _sites(args)
    if args.check:
        return _check_site(args, sites)
    unknown = [n for n in args.names if n not in sites]
    if unknown:
        raise CliError(f"unknown site(s): {', '.join(unknown)} (known: {', '.join(sorted(sites))})",
                       EXIT_CONFIG)
    chosen = [sites[n] for n in args.names] if args.names else list(sites.values())
    health = _health(args, chosen)
    if args.format == "json":
        print(json.dumps([_site_json(s, health.get(s.name)) for s in chosen], ensure_ascii=False, indent=2))
    elif args.names:
        for site in chosen:
            _print_site_details(site, health.get(site.name))
            print()
    else:
        rows = [[s.name, s.title, s.schedule, "yes" if s.render else "no", _entry_kinds(s),
                 _health_words(health.get(s.name))]
                for s in chosen]
        print(_table(rows, ["name", "title", "schedule", "render", "entry points", "health"]))
        print(f"\n{len(chosen)} sites · entry points of one site: rasd sites NAME · "
              "try one: rasd sites --check NAME")
    if args.format != "json" and any(s.render for s in chosen):
        _print_browser()
    return EXIT_OK


def _check_site(args: argparse.Namespace, sites: dict[str, SiteConfig]) -> int:
    from crawler.cli.runner import project_settings
    from crawler.cli.sitecheck import print_report, report_json, run_check

    if args.check not in sites:
        raise CliError(f"unknown site {args.check!r} (known: {', '.join(sorted(sites))})", EXIT_CONFIG)
    settings = project_settings(
        RASD_SITE_DIRS=[str(d) for d in site_dirs(args.sites or [])],
        LOG_LEVEL="INFO" if args.verbose else "ERROR", user=args.set or [],
    )
    print(f"checking {args.check}: one entry point, one article; nothing is stored", file=sys.stderr)
    report = run_check(args.check, settings)
    if args.format == "json":
        print(json.dumps(report_json(report, sites[args.check]), ensure_ascii=False, indent=2, default=str))
    else:
        print_report(report, sites[args.check])
    return EXIT_OK if report.ok else 1


def _print_browser() -> None:
    """Which Chromium `render = true` sites will use, so a missing one shows before a crawl."""
    from crawler.fetch.browser import BrowserNotFound, find_browser

    try:
        browser = find_browser()
    except BrowserNotFound as exc:
        print(f"rasd: warning: {exc}; sites with render = true will be skipped", file=sys.stderr)
    else:
        print(f"\nbrowser for render = true: {browser.path} ({browser.origin})")


def _query(args: argparse.Namespace, **extra: Any) -> ArticleQuery:
    return ArticleQuery(sites=(args.site,) if args.site else (), since=args.since, until=args.until, **extra)


def cmd_articles(args: argparse.Namespace) -> int:
    with _store(args) as store:
        page = store.find_articles(_query(args, search=args.search, sort=args.sort, limit=args.limit))
    _print_articles([public(d) for d in page.items], args.format)
    if args.format == "table":
        print(f"{len(page.items)} of {page.total} article(s)"
              + (f" matching {args.search!r}" if args.search else ""), file=sys.stderr)
    return EXIT_OK


def _print_articles(articles: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(articles, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["id", "published", "site", "title", "url"])
        for a in articles:
            writer.writerow([a["id"], a["published"] or "", a["site"], a["title"], a["url"]])
    else:
        rows = [[a["id"], (a["published"] or "")[:16], a["site"], (a["title"] or "")[:70], a["url"]]
                for a in articles]
        print(_table(rows, ["id", "published", "site", "title", "url"]))
        for a in articles:
            if a.get("snippet"):
                print(f"\n{a['id']}  {a['snippet']}")


def cmd_article(args: argparse.Namespace) -> int:
    ref = args.ref
    try:  # the owning site's canonical form also finds http/www/amp. spellings of the URL
        owner = next((s for s in _sites(args).values() if s.owns(ref)), None)
    except ConfigError:
        owner = None
    with _store(args) as store:
        doc = (get_article(store, owner.canonical(ref)) if owner else None) or get_article(store, ref)
        if doc is None:
            raise CliError(f"no stored article {args.ref!r}", 1)
        if args.versions:
            return _print_versions(doc, history(store, doc), args.format)
        art = public(doc)
        known = stored_urls(store, [link["url"] for link in art["read_also"]])
    for link in art["read_also"]:
        link["stored"] = link["url"] in known
        if known.get(link["url"], link["url"]) != link["url"]:
            link["stored_as"] = known[link["url"]]
    if args.format == "json":
        print(json.dumps(art, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(art["title"])
    print(f"{art['site']} · {art['published'] or 'no date'} · {art['url']}")
    for label, key in (("authors", "authors"), ("source", "source"), ("tags", "tags")):
        value = art[key]
        if value:
            print(f"{label}: {', '.join(value) if isinstance(value, list) else value}")
    print(f"version {art['version']} · first seen {art['first_seen']} · last seen {art['last_seen']}"
          + (f" · duplicate of {art['duplicate_of']}" if art["duplicate_of"] else ""))
    if doc.get("aliases"):
        print(f"also reached as: {', '.join(doc['aliases'])}")
    print()
    print(art["body"])
    if art["read_also"]:
        print("\nread also:")
        for link in art["read_also"]:
            mark = "not crawled"
            if link["stored"]:
                mark = f"stored as {link['stored_as']}" if link.get("stored_as") else "stored"
            print(f"  - {link['title']}  <{link['url']}>  [{mark}]")
    return EXIT_OK


def _print_versions(doc: dict[str, Any], changes: list[Any], fmt: str) -> int:
    if fmt == "json":
        print(json.dumps({"url": doc["url"], "version": doc.get("version"),
                          "changes": [vars(c) for c in changes]}, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(doc.get("title") or "")
    print(f"{doc['url']} · version {doc.get('version')} · "
          f"{len(changes)} edit{'s' if len(changes) != 1 else ''} seen")
    for change in changes:
        print(f"\nv{change.old} → v{change.new} · stored {change.replaced} · changed: "
              f"{', '.join(change.changed)}")
        for key, (old, new) in change.fields.items():
            print(f"  {key}: {old} → {new}")
        if change.diff:
            print(change.diff)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    with _store(args) as store:
        for doc in store.iter_articles(_query(args)):
            sys.stdout.write(_json_line(public(doc)) + "\n")
    return EXIT_OK


def parse_page(html_bytes: bytes, url: str, site: SiteConfig | None,
               sites: dict[str, SiteConfig], fetched_at: datetime | None = None) -> dict[str, Any]:
    """What the offline pipeline stages make of one saved page (nothing is stored).
    ``fetched_at`` (default now) is what relative dates ("منذ ساعتين") count back from."""
    encoding, text = decode_page(html_bytes)
    item: Any = RawPage(url=canonical_url(url), final_url=url, status=200, html=text,
                        encoding=encoding, site=site.name if site else None,
                        fetched_at=fetched_at or utcnow(),
                        headers={}, depth=0, hints={})
    for path in OFFLINE_STAGES:
        item = load_object(path)(sites).process_item(item)
    doc = to_document(item)
    out = public(doc)
    out.update({k: iso(v) for k, v in doc.items() if k not in out})
    return out


def cmd_parse(args: argparse.Namespace) -> int:
    from scrapy.exceptions import DropItem

    sites = _sites(args)
    if args.site:
        if args.site not in sites:
            raise CliError(f"unknown site {args.site!r}", EXIT_CONFIG)
        site = sites[args.site]
    else:
        site = next((s for s in sites.values() if s.owns(args.url)), None)
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}", 1) from exc
    if args.file.endswith(".gz"):
        import gzip

        data = gzip.decompress(data)
    try:
        out = parse_page(data, args.url, site, sites)
    except DropItem as exc:
        raise CliError(f"not an article: {exc}", 1) from exc
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_spool(args: argparse.Namespace) -> int:
    """What waits in the spool; with --replay, store it now."""
    from crawler.storage.failover import FailoverStore

    directory = spool_dir(resolve_db(args.db), args.spool)
    if args.replay:
        with FailoverStore(args.db, str(directory)) as store:
            if not store.open():
                raise CliError(f"database unavailable: {store.counts.errors[-1]}", EXIT_DB)
            c = store.counts
            print(f"replayed {c.replayed} article(s) into {mask_secrets(resolve_db(args.db))}"
                  + "".join(f", {n} {k}" for k, n in sorted(c.outcomes.items()))
                  + (f"; {c.runs_replayed} run record update(s)" if c.runs_replayed else "")
                  + (f"; skipped {c.torn} torn and {c.corrupt} corrupt line(s)" if c.torn or c.corrupt else ""))
    segments = Spool(directory).status()
    waiting = pending(segments)
    if args.format == "json":
        print(json.dumps({
            "spool": str(directory), "waiting": waiting[ARTICLE], "run_records": waiting[RUN],
            "segments": [{"file": s.path.name, "waiting": s.articles, "run_records": s.runs,
                          "replayed": s.done,
                          "torn": s.torn, "corrupt": s.corrupt, "active": s.active,
                          "sites": dict(s.sites), "oldest": iso(s.oldest), "newest": iso(s.newest)}
                         for s in segments],
        }, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"spool: {directory}")
    print(f"waiting: {_pending_text(waiting)}")
    if segments:
        rows = [[s.path.name, _pending_text(s.pending),
                 ", ".join(f"{k} {n}" for k, n in s.sites.most_common()), iso(s.oldest) or "",
                 "writing" if s.active else ("torn tail" if s.torn else "")]
                for s in segments]
        print(_table(rows, ["segment", "waiting", "sites", "oldest", "note"]))
    return EXIT_OK


# --- parser -------------------------------------------------------------------------------

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
    p.add_argument("--all", action="store_true", help="every configured site")
    p.add_argument("-v", "--verbose", action="store_true", help="Scrapy's INFO log")
    p.add_argument("-s", "--set", action="append", type=_setting, metavar="NAME=VALUE",
                   help="override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=0; repeatable")
    p.add_argument("--trigger", choices=("manual", "schedule"), default="manual", help=argparse.SUPPRESS)
    p.add_argument("--run-id", default=None, help=argparse.SUPPRESS)  # set by `rasd schedule`
    p.add_argument("--scheduler-pid", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--stats-file", metavar="FILE", help="write each site's crawl stats as JSON Lines")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("spool", parents=[common],
                       help="articles and run records waiting for the database (spooled during an outage)")
    p.add_argument("--replay", action="store_true", help="store them now")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_spool)

    p = sub.add_parser("sites", parents=[common],
                       help="list configured sites with their health; details or a live check of one")
    p.add_argument("names", nargs="*", metavar="NAME", help="show these sites' entry points and layouts")
    p.add_argument("--check", metavar="NAME",
                   help="fetch one feed/listing and one article of NAME; print what would be stored")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("-v", "--verbose", action="store_true", help="Scrapy's INFO log (with --check)")
    p.add_argument("-s", "--set", action="append", type=_setting, metavar="NAME=VALUE",
                   help="override a Scrapy setting for --check; repeatable")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("schedule", parents=[common],
                       help="crawl every site on its schedule until stopped (SIGTERM/Ctrl-C)")
    p.add_argument("names", nargs="*", metavar="NAME", help="only these sites (default: all)")
    p.add_argument("--max-parallel", type=int, default=None,
                   help="crawls running at once (default: number of CPU cores)")
    p.add_argument("--grace", type=float, default=30.0,
                   help="seconds running crawls get to finish on SIGTERM (default 30)")
    p.add_argument("--log-file", type=Path, default=None,
                   help="rotating log file (env RASD_LOG_FILE; default in the user log folder)")
    p.add_argument("--dry-run", action="store_true", help="print what would run and when, then exit")
    p.add_argument("-v", "--verbose", action="store_true", help="debug log, Scrapy's INFO log")
    p.add_argument("-s", "--set", action="append", type=_setting, metavar="NAME=VALUE",
                   help="Scrapy setting for every crawl, e.g. -s DOWNLOAD_DELAY=0; repeatable")
    p.set_defaults(func=cmd_schedule)

    p = sub.add_parser("runs", parents=[common], help="recorded crawl runs, newest first")
    p.add_argument("--site")
    p.add_argument("--limit", type=int, default=20, help="0 = no limit (default 20)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("status", parents=[common],
                       help="site health; exit code 0 only when every site is healthy")
    p.add_argument("names", nargs="*", metavar="NAME", help="only these sites (default: all)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_status)

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--site")
        p.add_argument("--since", type=_when, help="ISO date/time or look-back such as 24h, 7d")
        p.add_argument("--until", type=_when)

    p = sub.add_parser("articles", parents=[common], help="list stored articles")
    filters(p)
    p.add_argument("--search", metavar="QUERY",
                   help='words in title, body or tags, all required; "a phrase"; -word excludes '
                        "(Arabic spelling, clitics and endings insensitive); ranked by relevance")
    p.add_argument("--sort", choices=("relevance", "date"), default="relevance",
                   help="order of --search results (default relevance; without --search: date)")
    p.add_argument("--limit", type=int, default=50, help="0 = no limit (default 50)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.set_defaults(func=cmd_articles)

    p = sub.add_parser("article", parents=[common], help="one article with its read-also links")
    p.add_argument("ref", metavar="URL_OR_ID")
    p.add_argument("--versions", action="store_true", help="its edit history, with a diff of each edit")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_article)

    p = sub.add_parser("export", parents=[common], help="JSON Lines of stored articles on stdout")
    filters(p)
    p.set_defaults(func=cmd_export)

    migrate.add_parser(sub, common)

    p = sub.add_parser("parse", parents=[common], help="parse a saved page offline, store nothing")
    p.add_argument("file")
    p.add_argument("--url", required=True, help="the URL the page was saved from")
    p.add_argument("--site", help="site config to use (default: the one owning --url)")
    p.set_defaults(func=cmd_parse)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logmask.install()
    args = build_parser().parse_args(argv)
    try:
        if args.command not in ("migrate", "parse"):
            problem = legacy_default_problem(args.db)
            if problem:
                raise StoreError(problem)
        return args.func(args)
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
