"""``rasd worker``, and ``rasd crawl``/``rasd schedule`` with ``--redis``: the several-machines
mode (issue 19). Imports stay inside the functions, as for every command module."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from crawler.cli.common import EXIT_DEGRADED, EXIT_OK, EXIT_USAGE, CliError, load_sites

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def _settings(args: argparse.Namespace, config: RasdConfig, **overrides: Any) -> Any:
    from crawler.cli.runner import project_settings

    return project_settings(config, user=args.set or [], **overrides)


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    """A long-running crawl process serving every open run in Redis; SIGTERM stops it
    cleanly (its unfinished requests go back to the queues)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.reactor import install_reactor

    from crawler.distributed.connection import connect
    from crawler.distributed.settings import worker_settings
    from crawler.distributed.workers import Worker, new_worker_id
    from crawler.storage.store import mask_secrets, open_store

    if not args.redis:
        raise CliError("rasd worker needs --redis URL", EXIT_USAGE)
    connect(args.redis).ping()
    open_store(config.db).close()  # fail fast on a misconfigured database
    worker_id = args.id or new_worker_id()
    settings = worker_settings(_settings(args, config, LOG_LEVEL="DEBUG" if args.verbose else "INFO"), args.redis,
                               worker_id)
    sites = load_sites(config)
    install_reactor(settings["TWISTED_REACTOR"])  # before the worker's loop touches the reactor
    process = CrawlerProcess(settings)
    Worker(process, settings, sites).start()
    print(f"rasd worker {worker_id}: serving {mask_secrets(args.redis)}, storing into "
          f"{mask_secrets(config.db)}", file=sys.stderr, flush=True)
    process.start(stop_after_crawl=False)
    return EXIT_OK


def enqueue(args: argparse.Namespace, config: RasdConfig, names: list[str]) -> int:
    """``rasd crawl NAME --redis URL``: open a run of each site for the workers to share."""
    from crawler.distributed.connection import connect
    from crawler.distributed.enqueue import enqueue_site
    from crawler.storage.store import open_store

    server = connect(args.redis)
    settings = _settings(args, config)
    code = EXIT_OK
    with open_store(config.db) as store:
        for name in names:
            run_id = enqueue_site(server, store, settings, name, args.trigger, backfill=args.backfill)
            if run_id is None:
                print(f"rasd: {name}: a run is still open in Redis; not started again", file=sys.stderr)
                code = EXIT_DEGRADED
            else:
                print(f"{name}: {'backfill' if args.backfill else 'run'} {run_id} queued for the workers", flush=True)
    return code


def schedule(args: argparse.Namespace, sites: list[Any], options: Any) -> int:
    """``rasd schedule --redis URL``: slots open runs for the workers instead of crawling here."""
    from crawler.distributed.connection import connect
    from crawler.distributed.schedule import RedisCrawlScheduler

    server = connect(args.redis)
    server.ping()
    return RedisCrawlScheduler(sites, options, server, _settings(args, options.config)).serve()
