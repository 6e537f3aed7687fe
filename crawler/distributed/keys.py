"""Every Redis key Rasd uses, in one place, so that workers, ``rasd crawl --redis`` and
``rasd schedule --redis`` can never disagree on a name."""

from __future__ import annotations

ACTIVE_RUNS = "rasd:runs"          # hash: site name -> id of its open run
WORKERS = "rasd:workers"           # set: ids of workers that may hold requests
SCHEDULER = "rasd:scheduler"       # the active scheduler's id, with an expiry (hot standby)


def requests(site: str) -> str:
    """The site's frontier: a list, pushed on the left and taken from the right (FIFO)."""
    return f"rasd:{site}:requests"


def processing(site: str, worker: str) -> str:
    """Requests of the site one worker has taken and not finished (the reliable-queue list)."""
    return f"rasd:{site}:processing:{worker}"


def processing_pattern(worker: str) -> str:
    return f"rasd:*:processing:{worker}"


def heartbeat(worker: str) -> str:
    return f"rasd:worker:{worker}"


def run_info(run_id: str) -> str:
    """Hash: the run's site and whether it is a backfill."""
    return f"rasd:run:{run_id}"


def run_stats(run_id: str) -> str:
    """Hash: the run's counters summed over every worker (HINCRBY)."""
    return f"rasd:run:{run_id}:stats"


def run_samples(run_id: str, stat: str) -> str:
    """List: the run's first samples of one kind (``rasd/error_samples``…), from every worker."""
    return f"rasd:run:{run_id}:{stat.rsplit('/', 1)[-1]}"


def run_closing(run_id: str) -> str:
    """The worker that writes the run's record: set once, with NX."""
    return f"rasd:run:{run_id}:closing"


def seen(run_id: str) -> str:
    """Set: fingerprints of the requests this run has scheduled (the dupefilter)."""
    return f"rasd:run:{run_id}:seen"
