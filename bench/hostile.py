"""``python -m bench.hostile [--links N]``: what one enormous listing and one
enormous feed cost a crawl with the shipped caps (issue 14: a 250k-link listing took 1 GB and
~190 s of CPU before the first article, and SIGTERM ~80 s).

The crawl (``rasd crawl``, default caps, DOWNLOAD_MAXSIZE raised so the pages get through)
runs in a child process against tests/badsite.py's HostileSite; it is sent SIGTERM once 20
articles were fetched. Printed: seconds to the first article, seconds from SIGTERM to exit,
the child's peak RSS and CPU seconds.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.badsite import HostileSite
from tests.conftest import FAST, ROOT, write_site
from tests.faults import wait_for
from tests.localsite import SiteServer


def measure(links: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, SiteServer(HostileSite(huge=links, n=3)) as server:
        work = Path(tmp)
        write_site(work / "sites", "huge", server.url, start_urls=[f"{server.url}/huge"],
                   feeds=[f"{server.url}/huge.xml"], sitemaps=[])
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RASD_DB": str(work / "db"), "RASD_SITES": str(work / "sites")}
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "crawl", "huge", *FAST,
                                 "-s", f"DOWNLOAD_MAXSIZE={256 * 1024 * 1024}"],
                                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        articles = lambda: sum(h.startswith("/news/") for h in server.hits)  # noqa: E731
        wait_for(articles, 600, "a first article")
        first = time.monotonic() - started
        wait_for(lambda: articles() >= 20, 600, "20 articles")
        asked = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, _, usage = os.wait4(proc.pid, 0)
        return {"first_article_s": first, "sigterm_to_exit_s": time.monotonic() - asked,
                "peak_rss_mb": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--links", type=int, default=250_000, help="links on the listing and entries in the feed")
    args = parser.parse_args(argv)
    result = measure(args.links)
    print(f"listing of {args.links} links + feed of {args.links} entries, default caps: "
          f"first article after {result['first_article_s']:.1f}s, SIGTERM to exit {result['sigterm_to_exit_s']:.1f}s, "
          f"peak RSS {result['peak_rss_mb']:.0f} MB, CPU {result['cpu_s']:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
