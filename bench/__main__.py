"""``python -m bench [--quick]``: every benchmark in one run, printed and written to a report.

Only a full run refreshes the committed bench/RESULTS.md; a quick run (CI, the test suite,
trying a change) writes bench/out/RESULTS-quick.md (ignored by git) unless --results says
otherwise, so it never replaces the reference figures with small-sample ones.

Order matters on a shared machine: the two ``scrapy bench`` reference runs bracket the Rasd
crawl, so that the ratio compares runs made under the same load.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import crawl, machine, neardup, parsetime, profile, report, scrapybench, site, startup

RESULTS = Path(__file__).with_name("RESULTS.md")
QUICK_RESULTS = Path(__file__).with_name("out") / "RESULTS-quick.md"
NEAR_DUP_SIZES = {"full": [1_000, 10_000, 100_000], "quick": [200, 1_000]}


def fetch(base_url: str, paths: list[str]) -> list[parsetime.Page]:
    """Pages exactly as the crawl received them."""
    host = urlsplit(base_url)
    conn = HTTPConnection(host.hostname, host.port, timeout=30)
    pages = []
    for path in paths:
        conn.request("GET", path)
        pages.append((base_url + path, conn.getresponse().read()))
    conn.close()
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="small run (a few hundred articles, short reference) so CI keeps the code alive")
    parser.add_argument("--articles", type=int, help="articles on the local site (default 5000, quick 300)")
    parser.add_argument("--parse-pages", type=int, help="generated pages timed by the parse benchmark")
    parser.add_argument("--profile", action="store_true",
                        help="crawl once more under py-spy and report where the time goes")
    parser.add_argument("--results", type=Path, default=None,
                        help=f"where to write the report (default {RESULTS}; with --quick {QUICK_RESULTS})")
    args = parser.parse_args(argv)
    args.results = args.results or (QUICK_RESULTS if args.quick else RESULTS)
    if args.profile:
        try:
            profile.profiler()
        except profile.ProfilerMissing as exc:
            parser.error(str(exc))
    mode = "quick" if args.quick else "full"
    n = args.articles or (300 if args.quick else 5000)
    parse_n = args.parse_pages or (50 if args.quick else 500)
    ref_seconds = 3 if args.quick else 10

    figures: dict[str, Any] = {"mode": mode, "articles": n, "machine": machine.describe()}
    say = report.Printer()
    say.machine(figures["machine"])

    with tempfile.TemporaryDirectory(prefix="rasd-bench-") as tmp, site.serve(n) as served:
        workdir = Path(tmp)
        figures["server"] = {"prerender_seconds": served.render_seconds, "bytes": served.bytes,
                             **site.measure_alone(served, requests=600 if args.quick else 3000)}
        say.server(figures["server"])

        figures["scrapy_bench"] = [scrapybench.run(ref_seconds)]
        say.scrapy_bench(figures["scrapy_bench"][-1])

        cpu0 = served.cpu_seconds()
        figures["crawl"] = crawl.run(served.url, workdir)
        figures["crawl"]["server_cpu_seconds"] = served.cpu_seconds() - cpu0
        say.crawl(figures["crawl"])

        figures["scrapy_bench"].append(scrapybench.run(ref_seconds))
        say.scrapy_bench(figures["scrapy_bench"][-1])

        if args.profile:
            figures["profile"] = profile.run(served.url, workdir / "profiled")
            say.profile(figures["profile"])

        pages = fetch(served.url, served.article_paths[:: max(1, n // parse_n)][:parse_n])
        site_dir = workdir / "sites"
        figures["parse"] = parsetime.run(pages, [site_dir])
        say.parse(figures["parse"])

    figures["startup"] = startup.run(3 if args.quick else 7)
    say.startup(figures["startup"])

    figures["near_dup"] = neardup.run(NEAR_DUP_SIZES[mode])
    say.near_dup(figures["near_dup"])

    summary = report.summarise(figures)
    from bench.store import kept_section  # the store benchmark's figures, measured apart

    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(report.markdown(figures, summary) + kept_section(args.results), encoding="utf-8")
    say.line(f"results written to {args.results}")
    say.line(report.final_line(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
