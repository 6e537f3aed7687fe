"""``rasd parse``: what a crawl would store from one saved page; nothing is stored."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_CONFIG, EXIT_OK, CliError, load_sites
from crawler.config import SiteConfig

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    from scrapy.exceptions import DropItem

    from pipelines.offline import parse_page

    sites = load_sites(config)
    site: SiteConfig | None  # a page no configured site owns is parsed by generic rules
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
