"""``rasd sites``: configured sites with their health, one site's details, or a live check."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.cli.common import EXIT_OK, active_sites, check_known, table
from crawler.config import BUILTINS_FILE

if TYPE_CHECKING:
    from crawler.config import SiteConfig
    from crawler.ops.health import SiteHealth
    from crawler.rasdconfig import RasdConfig


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    sites, active = active_sites(config)
    if args.check:  # a live check loads Scrapy: only then
        from crawler.cli.sitecheck import run_cli

        return run_cli(args, config, sites, active)
    check_known(args.names, sites)
    # JSON lists every configured site with its "active" flag; the table the active set.
    if args.names:
        chosen = [sites[n] for n in args.names]
    else:
        chosen = [s for s in sites.values() if args.all or args.format == "json" or s.name in active]
    health = _health(config, chosen)
    if args.format == "json":
        print(json.dumps([_site_json(s, health.get(s.name), s.name in active) for s in chosen],
                         ensure_ascii=False, indent=2))
    elif args.names:
        for site in chosen:
            _print_site_details(site, health.get(site.name))
            print()
    else:
        rows = [[s.name, s.title, s.schedule, "yes" if s.render else "no", _entry_kinds(s),
                 _health_words(health.get(s.name)), *(["yes" if s.name in active else "no"] if args.all else [])]
                for s in chosen]
        print(table(rows, ["name", "title", "schedule", "render", "entry points", "health",
                           *(["active"] if args.all else [])]))
        print(f"\n{len(chosen)} sites · entry points of one site: rasd sites NAME · "
              "try one: rasd sites --check NAME")
        inactive = sorted(set(sites) - set(active))
        if inactive and not args.all:
            print(f"{len(inactive)} more configured site(s) not active (crawl --all, schedule and status "
                  f"leave them out): {', '.join(inactive)}; `rasd sites --all` lists them, "
                  f"a name in {BUILTINS_FILE} in your sites folder makes one active")
    if args.format != "json" and any(s.render for s in chosen):
        _print_browser(config)
    return EXIT_OK


def _health(config: RasdConfig, sites: Iterable[SiteConfig]) -> dict[str, SiteHealth]:
    """Health per site from the database, when there is one; listing sites never creates it."""
    from crawler.ops.health import site_health
    from crawler.storage.store import StoreError, is_mongo_uri, open_store

    uri = config.db
    if not is_mongo_uri(uri) and not Path(uri).expanduser().exists():
        return {}
    try:
        with open_store(uri) as store:
            return {s.name: site_health(store, s) for s in sites}
    except StoreError as exc:
        print(f"rasd: health unavailable: {exc}", file=sys.stderr)
        return {}


def _health_words(health: SiteHealth | None) -> str:
    if health is None:
        return "unknown (no database yet)"
    return f"{health.state}: {health.reason}, {health.articles_24h} articles in 24h"


def _entry_kinds(site: SiteConfig) -> str:
    counts = (("feed", len(site.feeds)), ("sitemap", len(site.sitemaps)), ("listing", len(site.start_urls)))
    return ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in counts if n)


def _site_json(site: SiteConfig, health: SiteHealth | None, active: bool) -> dict[str, Any]:
    from crawler.storage.query import iso

    return {
        "name": site.name, "title": site.title, "active": active, "schedule": site.schedule,
        "render": site.render,
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


def _print_site_details(site: SiteConfig, health: SiteHealth | None) -> None:
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


def _print_browser(config: RasdConfig) -> None:
    """Which Chromium `render = true` sites will use, so a missing one shows before a crawl."""
    from crawler.fetch.browser import BrowserNotFound, BrowserSearch, find_browser

    try:
        browser = find_browser(BrowserSearch.from_config(config))
    except BrowserNotFound as exc:
        print(f"rasd: warning: {exc}; sites with render = true will be skipped", file=sys.stderr)
    else:
        print(f"\nbrowser for render = true: {browser.path} ({browser.origin})")
