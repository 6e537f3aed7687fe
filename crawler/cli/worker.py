"""``rasd worker`` and ``rasd crawl NAME --redis``: the several-machines mode (issue 19)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from crawler.config import load_sites, site_dirs
from crawler.storage.store import Store, mask_secrets, resolve_db


def redis_url(args: argparse.Namespace) -> str | None:
    """Only an explicit ``--redis`` leaves single-machine mode."""
    return getattr(args, "redis", None) or None


def _settings(args: argparse.Namespace, **overrides: Any) -> Any:
    from crawler.cli.runner import project_settings

    return project_settings(user=args.set or [], **{
        "RASD_DB": resolve_db(args.db),
        "RASD_SITE_DIRS": [str(d) for d in site_dirs(args.sites or [])],
        **overrides,
    })


def cmd_worker(args: argparse.Namespace) -> int:
    """A long-running crawl process serving every open run in Redis; SIGTERM stops it
    cleanly (its unfinished requests go back to the queues)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.reactor import install_reactor

    from crawler.distributed.connection import connect
    from crawler.distributed.settings import worker_settings
    from crawler.distributed.workers import Worker, new_worker_id

    url = redis_url(args)
    if not url:
        print("rasd: worker needs --redis URL", file=sys.stderr)
        return 64
    connect(url).ping()
    Store(resolve_db(args.db)).close()  # fail fast on a misconfigured database
    worker_id = args.id or new_worker_id()
    settings = worker_settings(_settings(args, LOG_LEVEL="DEBUG" if args.verbose else "INFO"), url, worker_id)
    sites = load_sites(site_dirs(args.sites or []))
    install_reactor(settings["TWISTED_REACTOR"])  # before the worker's loop touches the reactor
    process = CrawlerProcess(settings)
    Worker(process, settings, sites).start()
    print(f"rasd worker {worker_id}: serving {mask_secrets(url)}, storing into "
          f"{mask_secrets(resolve_db(args.db))}", file=sys.stderr, flush=True)
    process.start(stop_after_crawl=False)
    return 0


def crawl_in_redis(args: argparse.Namespace, names: list[str]) -> int:
    """``rasd crawl NAME --redis URL``: open a run of each site for the workers to share."""
    from crawler.distributed.connection import connect
    from crawler.distributed.enqueue import enqueue_site

    server = connect(redis_url(args))
    settings = _settings(args)
    code = 0
    with Store(resolve_db(args.db)) as store:
        for name in names:
            run_id = enqueue_site(server, store, settings, name, args.trigger, backfill=args.backfill)
            if run_id is None:
                print(f"rasd: {name}: a run is still open in Redis; not started again", file=sys.stderr)
                code = 75
            else:
                what = "backfill" if args.backfill else "run"
                print(f"{name}: {what} {run_id} queued for the workers", flush=True)
    return code


def schedule_in_redis(args: argparse.Namespace, sites: list[Any], options: Any) -> int:
    """``rasd schedule --redis URL``: slots open runs for the workers instead of crawling here."""
    from crawler.distributed.connection import connect
    from crawler.distributed.schedule import RedisCrawlScheduler

    server = connect(redis_url(args))
    server.ping()
    return RedisCrawlScheduler(sites, options, server, _settings(args)).serve()


def add_parsers(sub: Any, common: argparse.ArgumentParser, setting: Any) -> None:
    p = sub.add_parser("worker", parents=[common],
                       help="crawl whatever runs are open in Redis, until stopped (several machines)")
    p.add_argument("--redis", metavar="URL", help="Redis URL, redis://host:6379/0")
    p.add_argument("--id", help="worker id (default: host:pid:random)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug log")
    p.add_argument("-s", "--set", action="append", type=setting, metavar="NAME=VALUE",
                   help="override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=0; repeatable")
    p.set_defaults(func=cmd_worker)


def add_schedule_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--redis", metavar="URL",
                   help="open each slot's run in Redis for `rasd worker`s instead of crawling here")


def add_crawl_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--redis", metavar="URL",
                   help="queue the crawl for `rasd worker`s sharing this Redis")
    p.add_argument("--backfill", action="store_true",
                   help="with --redis: the whole archive (every sitemap, listings to the end)")
