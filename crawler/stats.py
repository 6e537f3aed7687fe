"""Every Scrapy stats key Rasd writes or reads, named once.

Keys follow Scrapy's ``component/counter/<reason>`` shape under ``rasd/``: a family of
counters (errors by kind, articles by store outcome…) is a root plus one path segment per
reason, so :func:`family` reads a whole group with one prefix. Writers and readers (spider,
pipeline stages, error extension, run records, progress, crawl summaries, bench) import the
names from here, so ``grep ARTICLES_NEW`` finds each of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "rasd/"

PAGES_FETCHED = "rasd/pages_fetched"            # article pages fetched (HTTP 200, HTML)
CONTENT_RESPONSES = "rasd/content_responses"    # answers below 400 (robots.txt aside)
NOT_MODIFIED = "rasd/not_modified"              # rechecks answered 304
READ_ALSO_LINKS = "rasd/read_also_links"        # read-also links found in parsed articles
DUPLICATES = "rasd/duplicates"                  # exact or near duplicates (dedup and store stages)
VERSIONS = "rasd/versions"                      # stored articles that became a new version
LOST = "rasd/lost"                              # articles neither the database nor the spool took
CRASHES = "rasd/crashes"                        # exceptions in a spider callback or a stage
REDIRECTS_TO_REQUESTED = "rasd/redirects_to_requested"
ROBOTS_OPT_OUT = "rasd/robots_opt_out"          # True when a site config disables robots.txt
POLITENESS_WAIT_MS = "rasd/politeness_wait_ms"  # waited for a shared per-host slot (crawler.distributed)
GIVEN_UP = "rasd/given_up"                      # {host: why} for hosts given up (crawler.fetch.unreachable)

# Store failover (crawler.storage.failover), mirrored by the store stage.
DEGRADED = "rasd/degraded"                      # True once the database failed during the run
SPOOLED = "rasd/spooled"
REPLAYED = "rasd/replayed"
STORE_OUTAGES = "rasd/store_outages"
SPOOL_TORN = "rasd/spool_torn"
SPOOL_CORRUPT = "rasd/spool_corrupt"
SPOOL_WAITING = "rasd/spool_waiting"

# Families: a root, and one segment per reason under it.
ERRORS = "rasd/errors"                          # all errors; errors(kind) per kind
ERROR_SAMPLES = "rasd/error_samples"            # the first few masked messages
BLOCKED_SAMPLES = "rasd/blocked_samples"        # the first few refusals (crawler.fetch.blocking)
ARTICLES = "rasd/articles"                      # store outcomes: articles(outcome)
DISCOVERED = "rasd/discovered"                  # article links found: discovered(reason)
PARSE_FAILURES = "rasd/parse_failures"          # required field missing: parse_failures(field)
CAPPED = "rasd/capped"                          # work left out by a cap: capped("links"|"requests")


# A family's counter for one reason: ``errors("timeout")`` is ``"rasd/errors/timeout"``.
errors = f"{ERRORS}/{{}}".format
articles = f"{ARTICLES}/{{}}".format
discovered = f"{DISCOVERED}/{{}}".format
capped = f"{CAPPED}/{{}}".format
parse_failures = f"{PARSE_FAILURES}/{{}}".format

ARTICLES_NEW = articles("new")
ARTICLES_UPDATED = articles("updated")
ARTICLES_UNCHANGED = articles("unchanged")


def family(stats: Mapping[str, Any], root: str) -> dict[str, Any]:
    """The counters under ``root``, by reason: ``{"http_404": 2, "timeout": 1}``."""
    prefix = root + "/"
    return {k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix)}
