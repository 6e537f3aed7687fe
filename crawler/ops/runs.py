"""Run records: one document in ``runs`` per crawl of one site, manual or scheduled.

The crawl process writes its own record (the :class:`RunRecorder` extension), because only
it holds the Scrapy stats. The scheduler creates the record before it starts the child, so a
child that is killed or dies before writing still leaves a trace, and it settles the status
itself when it had to stop the child (timeout, interrupted).

When the database is down as the crawl starts or ends, the record's update goes to the spool
like the articles do (``crawler.storage.spool``) and is replayed with them. So every write of a
record is one self-contained upsert (:func:`apply_update`): whichever order the updates
reach the database in, the record ends up whole and the final status is never overwritten.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from bson import ObjectId

from crawler.fetch.blocking import advice_for, is_blocked_kind
from crawler.ops.leases import lease_held
from crawler.secrets import mask_secrets
from crawler.stats import (
    ARTICLES_NEW,
    ARTICLES_UNCHANGED,
    ARTICLES_UPDATED,
    BLOCKED_SAMPLES,
    CONTENT_RESPONSES,
    DEGRADED,
    DISCOVERED,
    DUPLICATES,
    ERROR_SAMPLES,
    ERRORS,
    GIVEN_UP,
    NOT_MODIFIED,
    PAGES_FETCHED,
    PARSE_FAILURES,
    READ_ALSO_LINKS,
    REPLAYED,
    SPOOL_WAITING,
    SPOOLED,
    family,
)
from crawler.storage.query import iso
from crawler.storage.spool import RUN, Spool
from crawler.storage.store import DATABASE_ERRORS, Store, utcnow

if TYPE_CHECKING:  # Scrapy only when a crawl records its run, not for `rasd runs`/`status`
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

    from crawler.resources import CrawlResources

logger = logging.getLogger(__name__)

# "degraded": the site crawled fine but the database was unavailable for part of the run
# (articles went through the spool, crawler.storage.failover). "blocked": the site refused
# us (401/403/429, a bot challenge, a feed emptied for bots) and nothing was read — unlike
# "failed", the site may well be there (crawler.fetch.blocking).
FINISHED_STATUSES = ("ok", "degraded", "failed", "blocked", "timeout", "interrupted")
SITE_OK_STATUSES = ("ok", "degraded")  # what a run says about the site itself
RUN_COLUMNS = ("started", "site", "trigger", "status", "duration", "requests", "new", "updated",
               "unchanged", "duplicate", "errors")
_CLEAN_REASONS = ("finished", "closespider_timeout", "closespider_itemcount", "closespider_pagecount")


def new_run(store: Store, site: str, trigger: str, **extra: Any) -> ObjectId:
    """Insert a ``running`` record now and return its id."""
    run_id = ObjectId()
    store.insert_run({"_id": run_id, "site": site, "trigger": trigger, "status": "running",
                      "started": utcnow(), "host": socket.gethostname(), **extra})
    return run_id


def finish_run(store: Store, run_id: ObjectId, status: str, error: str | None = None) -> None:
    """Settle a record from outside the crawl: the status, end time, duration and why."""
    doc = store.get_run(run_id) or {}
    finished = utcnow()
    update: dict[str, Any] = {"status": status, "finished": finished}
    if doc.get("started"):
        update["duration"] = round((finished - doc["started"]).total_seconds(), 3)
    if error:
        update["error_samples"] = [*(doc.get("error_samples") or []), mask_secrets(error)]
    store.apply_run_update({"_id": run_id, "set": update})


def apply_update(store: Store, update: dict[str, Any]) -> dict[str, Any]:
    """Apply one run-record update, as built by :meth:`RunRecorder.update` (directly or
    replayed from the spool), and return the record's ``started``. Idempotent: applying it
    twice changes nothing."""
    return store.apply_run_update(update)


def latest_run(store: Store, site: str) -> dict[str, Any] | None:
    return store.latest_run(site)


def settle_orphaned_runs(store: Store) -> int:
    """Close as ``interrupted`` the runs of this host still marked running whose crawl process
    is gone (killed, out of disk, power cut) — a scheduled one only once its site's lease has
    expired, since a live scheduler settles its own runs. Called by whatever reads runs, so a
    dead crawl is never shown as running for ever. Returns how many were closed."""
    closed = 0
    host = socket.gethostname()
    for run in store.find_runs(status="running", limit=0):
        if run.get("host") != host or not run.get("pid") or _process_alive(run["pid"], run.get("started")):
            continue
        if run.get("trigger") == "schedule" and lease_held(store, run.get("site", "")):
            continue
        finish_run(store, run["_id"], "interrupted",
                   f"crawl process {run['pid']} ended without closing its run (killed, or out of disk?)")
        closed += 1
    return closed


def _process_alive(pid: int, started: datetime | None) -> bool:
    """Whether the process that opened a run still runs (not a later one given its pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    born = _process_start(pid)
    return born is None or started is None or born <= started.timestamp() + 5


def _process_start(pid: int) -> float | None:
    """When a process started (POSIX time), from Linux's /proc; None elsewhere."""
    try:
        ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def find_runs(store: Store, site: str | None = None, limit: int = 20, status: str | None = None,
              since: datetime | None = None) -> list[dict[str, Any]]:
    settle_orphaned_runs(store)
    return store.find_runs(site=site, status=status, limit=limit, since=since)


def run_counts(store: Store) -> dict[tuple[str, str], int]:
    """Recorded runs per (site, status), for the metrics."""
    return store.run_counts()


def run_status(finish_reason: str, content_responses: int) -> str:
    """``interrupted`` when Scrapy was told to stop; ``failed`` when the site answered no
    request usefully (refused, timed out, 4xx/5xx everywhere) or the crawl ended abnormally."""
    if finish_reason == "shutdown":
        return "interrupted"
    if finish_reason not in _CLEAN_REASONS or content_responses == 0:
        return "failed"
    return "ok"


def run_verdict(stats: dict[str, Any], finish_reason: str | None = None) -> tuple[str, str]:
    """Status of a site's crawl and, unless it is ``ok``, why, in a few words: what ``rasd
    crawl`` prints per site and what the run record keeps."""
    finish_reason = str(finish_reason or stats.get("finish_reason", ""))
    fields = stats_fields(stats)
    status = blocked_status(run_status(finish_reason, stats.get(CONTENT_RESPONSES, 0)), fields)
    if status == "ok" and stats.get(DEGRADED):
        status = "degraded"
    if status == "ok":
        return status, ""
    if status == "degraded":
        return status, f"database unavailable, {stats.get(SPOOLED, 0)} article(s) spooled"
    if status == "interrupted":
        return status, "stopped before the end"
    if status == "blocked":
        refused = sorted(k for k in fields["errors"] if is_blocked_kind(k))
        return status, f"the site refused us ({', '.join(refused)})"
    given_up = stats.get(GIVEN_UP) or {}
    if given_up:
        return status, "unreachable: " + "; ".join(f"{host}: {why}" for host, why in given_up.items())
    if finish_reason not in _CLEAN_REASONS:
        return status, f"crawl ended: {finish_reason or 'unknown'}"
    errors = sorted(((v, k) for k, v in family(stats, ERRORS).items()), reverse=True)
    return status, "no page answered" + (": " + ", ".join(f"{k} {v}" for v, k in errors[:3]) if errors else "")


def stats_fields(stats: dict[str, Any]) -> dict[str, Any]:
    """The record's counters, from the spider's and pipelines' ``rasd/*`` stats."""

    return {
        "requests": stats.get("downloader/request_count", 0),
        "responses": family(stats, "downloader/response_status_count"),
        "fetched": stats.get(PAGES_FETCHED, 0),
        "articles": {
            "new": stats.get(ARTICLES_NEW, 0),
            "updated": stats.get(ARTICLES_UPDATED, 0),
            "unchanged": stats.get(ARTICLES_UNCHANGED, 0),
            "duplicate": stats.get(DUPLICATES, 0),
        },
        "parse_failures": family(stats, PARSE_FAILURES),
        # Incremental crawling (issue 4): article links found, by what was done about them
        # (new, changed, recheck, known = stored and skipped), and rechecks answered 304.
        "discovered": family(stats, DISCOVERED),
        "not_modified": stats.get(NOT_MODIFIED, 0),
        "read_also_links": stats.get(READ_ALSO_LINKS, 0),
        "errors": family(stats, ERRORS),
        "error_count": stats.get(ERRORS, 0),
        "error_samples": [mask_secrets(str(s)) for s in stats.get(ERROR_SAMPLES) or []],
        # Evidence that the site refused us, and what to try (crawler.fetch.blocking).
        "blocked": [mask_secrets(str(s)) for s in stats.get(BLOCKED_SAMPLES) or []],
        "blocked_advice": advice_for(family(stats, ERRORS)) or None,
        "log_errors": stats.get("log_count/ERROR", 0),
        "spooled": stats.get(SPOOLED, 0),
        "replayed": stats.get(REPLAYED, 0),
        "spool_waiting": stats.get(SPOOL_WAITING, 0),
        # Hosts given up after repeated network failures (crawler.fetch.unreachable): host → why.
        "given_up": stats.get(GIVEN_UP) or {},
    }


def articles_seen(run: dict[str, Any]) -> int:
    """Articles the run found: stored, refreshed or spooled ones (a database outage is no
    quiet site), plus known ones an incremental run rightly did not fetch again (skipped,
    or answered 304)."""
    skipped = (run.get("discovered") or {}).get("known", 0) + run.get("not_modified", 0)
    return sum((run.get("articles") or {}).values()) + (run.get("spooled") or 0) + skipped


def blocked_status(status: str, fields: dict[str, Any]) -> str:
    """``blocked`` for a run that read nothing because the site refused us; a run that read
    articles despite some refusals keeps its status (the evidence stays in ``blocked``)."""
    refused = any(is_blocked_kind(k) for k in fields.get("errors") or {})
    if status in ("ok", "failed") and refused and not articles_seen(fields):
        return "blocked"
    return status


def public_run(doc: dict[str, Any]) -> dict[str, Any]:
    """The JSON shape of ``rasd runs --format json``."""
    out = {"id": str(doc["_id"])}
    out.update({k: iso(v) for k, v in doc.items() if k != "_id"})
    return out


def run_row(doc: dict[str, Any]) -> list[Any]:
    articles = doc.get("articles") or {}
    duration = doc.get("duration")
    return [
        iso(doc.get("started"))[:19].replace("T", " ") if doc.get("started") else "",
        doc.get("site"), doc.get("trigger"), doc.get("status"),
        f"{duration:.1f}s" if duration is not None else "",
        doc.get("requests", ""),
        *(articles.get(k, "") for k in ("new", "updated", "unchanged", "duplicate")),
        doc.get("error_count", ""),
    ]


class RunRecorder:
    """Scrapy extension writing the run record of each crawled site."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.run_id = ObjectId(settings["RASD_RUN_ID"]) if settings.get("RASD_RUN_ID") else ObjectId()
        self.trigger = settings.get("RASD_TRIGGER") or "manual"
        self.site = ""
        self.started = utcnow()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from scrapy import signals

        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def update(self, fields: dict[str, Any], opening: bool = False) -> dict[str, Any]:
        """A self-contained update of this run's record: what creates the record travels with
        every update, so the record is whole even when a later update arrives first (the
        opening one spooled, the closing one written directly). ``running`` is only ever set
        on insert, so a replayed opening update cannot undo the final status."""
        on_insert = {"site": self.site, "trigger": self.trigger, "started": self.started,
                     "host": socket.gethostname()}
        if opening:
            on_insert["status"] = "running"
        return {"_id": self.run_id, "set": fields, "on_insert": on_insert}

    def resources(self) -> CrawlResources:
        """The crawl's database and spool (crawler.resources)."""
        from crawler.resources import crawl_resources  # a crawl's part: `rasd runs` loads no Scrapy

        return crawl_resources(self.crawler)

    def _write(self, update: dict[str, Any]) -> str | None:
        """Write the update to the database; the problem (masked) when it is unavailable."""
        try:
            with self.resources().store() as store:
                record = apply_update(store, update)
        except DATABASE_ERRORS as exc:
            return mask_secrets(str(exc))
        # A scheduled run's record was started by the scheduler: its duration counts from there.
        self.started = record.get("started") or self.started
        return None

    def _spool(self, update: dict[str, Any], problem: str) -> None:
        """Record keeping never breaks a crawl: when even the spool fails, it is logged."""
        spool = Spool(self.resources().spool_dir)
        try:
            spool.append(update, utcnow(), RUN)
            spool.close()  # synced and unlocked: replayable at once
        except OSError as exc:
            logger.error("cannot write the run record of %s (%s) nor spool it: %s", self.site, problem,
                         mask_secrets(str(exc)))
            return
        logger.warning("database unavailable (%s): the run record of %s waits in the spool at %s",
                       problem, self.site, spool.directory)

    def spider_opened(self, spider: Any) -> None:
        self.site = getattr(spider, "site_name", spider.name)
        self.started = utcnow()
        update = self.update({"pid": os.getpid()}, opening=True)
        problem = self._write(update)
        if problem:
            self._spool(update, problem)

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        # robots.txt itself is no content (a site opting out of robots.txt marks every request
        # dont_obey_robotstxt, so the URL decides)
        if response.status < 400 and not request.url.endswith("/robots.txt"):
            self.crawler.stats.inc_value(CONTENT_RESPONSES)

    def spider_closed(self, spider: Any, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        status, why = run_verdict(stats, reason)
        finished = utcnow()
        fields = {
            **stats_fields(stats),
            "status": status,
            "reason": why,
            "finish_reason": reason,
            "finished": finished,
            "duration": round((finished - self.started).total_seconds(), 3),
        }
        update = self.update(fields)
        problem = self._write(update)
        if problem:
            if fields["status"] == "ok":  # the database was down for part of this run after all
                fields["status"], fields["reason"] = "degraded", "database unavailable, run record spooled"
            fields["error_samples"] = [*fields["error_samples"], f"run record spooled: {problem}"]
            self._spool(update, problem)
