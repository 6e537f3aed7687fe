"""``rasd demo``: try Rasd without network and without touching a real site — serve the
generated Arabic demo site on 127.0.0.1 and write a site config for it, so that ``crawl``,
``articles``, ``schedule`` and ``status`` can be tried end to end."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_OK, CliError

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig

SITE_NAME = "demo"
CONFIG = """\
# The demo site served by `rasd demo` (written by it; edit freely, it is rewritten on start).
name = "{name}"
title = "الوطن نيوز (موقع تجريبي)"
start_urls = ["{url}/"]
feeds = ["{url}/rss.xml"]
sitemaps = ["{url}/sitemap.xml"]
article_urls = ['/news/\\d+']
follow = ['/page/\\d+']
timezone = "Africa/Cairo"
schedule = "{schedule}"
"""


def default_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("rasd", appauthor=False) / "demo"


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    from crawler.demo.server import SiteServer
    from crawler.demo.site import NewsSite

    folder = Path(args.dir).expanduser() if args.dir else default_dir()
    sites, db = folder / "sites", folder / "rasd.db"
    try:
        sites.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create {sites}: {exc.strerror or exc}", 1) from exc
    site = NewsSite(n=args.articles, per_page=10, now=datetime.now(UTC).replace(second=0, microsecond=0))
    try:
        server = SiteServer(site, port=args.port)
    except OSError as exc:
        raise CliError(f"cannot serve on 127.0.0.1:{args.port}: {exc.strerror or exc} (try --port 0)", 1) from exc
    site_file = sites / f"{SITE_NAME}.toml"
    site_file.write_text(CONFIG.format(name=SITE_NAME, url=server.url, schedule=f"{args.publish_every}s"),
                      encoding="utf-8")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with server:
        print(f"rasd demo: serving {len(site.stories)} Arabic articles at {server.url}/ "
              f"(a new one every {args.publish_every} s); Ctrl-C stops it\n"
              f"site config: {site_file}\n\nIn another terminal, try:\n"
              f"  export RASD_SITES={sites} RASD_DB={db}\n"
              f"  rasd crawl --all        # the active sites: only the demo, its folder says so\n"
              f"  rasd articles\n"
              f"  rasd article ID         # one of the ids listed, with its read-also links\n"
              f"  rasd schedule           # crawls it every {args.publish_every} s; new articles appear\n"
              f"  rasd status", flush=True)
        try:
            while not stop.wait(args.publish_every):
                [story] = site.publish(1)
                story.published = datetime.now(UTC).replace(microsecond=0)
                print(f"rasd demo: published {story.path.split('/')[2]}: {story.title}", flush=True)
        except KeyboardInterrupt:
            pass
    print("rasd demo: stopped", file=sys.stderr)
    return EXIT_OK
