"""Scrapy settings of a worker: the project's, with the shared frontier plugged in."""

from __future__ import annotations

from scrapy.settings import Settings

FRONTIER_DEFAULTS = {
    "RASD_WORKER_HEARTBEAT": 5.0,   # seconds between beats; a worker is dead after 3 missed
    "RASD_WORKER_POLL": 1.0,        # seconds between looks at an empty queue and for new runs
    "RASD_DUPEFILTER_TTL": 7 * 24 * 3600,  # a run's dupefilter outlives it by at most this
    "RASD_SHARED_POLITENESS": True,  # the site's delay holds for all workers together
}


def worker_settings(settings: Settings, redis_url: str, worker_id: str) -> Settings:
    """The frontier's parts in place of Scrapy's scheduler and Rasd's per-process run record.
    The user's ``-s`` values stay on top (set at a higher priority than ``project``)."""
    for key, value in FRONTIER_DEFAULTS.items():
        settings.set(key, value, priority="project")
    settings.set("RASD_REDIS_URL", redis_url, priority="cmdline")
    settings.set("RASD_WORKER_ID", worker_id, priority="cmdline")
    settings.set("SCHEDULER", "crawler.distributed.frontier.Frontier", priority="cmdline")
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["crawler.ops.runs.RunRecorder"] = None
    extensions["crawler.distributed.runs.DistributedRunRecorder"] = 510
    settings.set("EXTENSIONS", extensions, priority="cmdline")
    middlewares = dict(settings.getdict("SPIDER_MIDDLEWARES"))
    middlewares["crawler.distributed.frontier.FrontierAcks"] = 1  # outermost: sees the output last
    settings.set("SPIDER_MIDDLEWARES", middlewares, priority="cmdline")
    downloader = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    downloader["crawler.distributed.politeness.SharedPoliteness"] = 120  # after robots.txt (100)
    settings.set("DOWNLOADER_MIDDLEWARES", downloader, priority="cmdline")
    return settings
