"""Every Redis key Rasd uses, in one place, so that workers, ``rasd crawl --redis`` and
``rasd schedule --redis`` can never disagree on a name.

Each key that names a site, worker or run is a template whose ``format`` builds it:
``keys.requests("news")`` is ``"rasd:news:requests"``. One line per key keeps the names
side by side, and no function repeats another's shape."""

from __future__ import annotations

ACTIVE_RUNS = "rasd:runs"          # hash: site name -> id of its open run
WORKERS = "rasd:workers"           # set: ids of workers that may hold requests
SCHEDULER = "rasd:scheduler"       # the active scheduler's id, with an expiry (hot standby)

# The site's frontier: a list, pushed on the left and taken from the right (FIFO).
requests = "rasd:{}:requests".format
# Requests of the site (1st) one worker (2nd) has taken and not finished (the reliable-queue list).
processing = "rasd:{}:processing:{}".format
processing_pattern = "rasd:*:processing:{}".format   # a worker's processing lists, all sites
heartbeat = "rasd:worker:{}".format                   # a worker's heartbeat, expiring
# Hash: the site's shared politeness (its delay now, the time of its next request) and
# sorted set: its requests in flight from every worker (crawler.distributed.politeness).
politeness = "rasd:{}:politeness".format
in_flight = "rasd:{}:in_flight".format

run_info = "rasd:run:{}".format                       # hash: the run's site, start, whether a backfill
run_stats = "rasd:run:{}:stats".format                # hash: the run's counters summed over workers (HINCRBY)
run_closing = "rasd:run:{}:closing".format            # the worker that writes the run's record (SET NX)
seen = "rasd:run:{}:seen".format                      # set: fingerprints the run has scheduled (dupefilter)


def run_samples(run_id: str, stat: str) -> str:
    """List: the run's first samples of one kind (``rasd/error_samples``…), from every worker."""
    return f"rasd:run:{run_id}:{stat.rsplit('/', 1)[-1]}"
