"""``rasd schedule``: crawl every site on its own schedule, forever.

Each crawl runs in its own child process, ``python -m crawler.cli crawl NAME --trigger
schedule``, the very code path of a manual ``rasd crawl``. A crawl that hangs, leaks memory
or crashes (a browser dying, a parser bug) is killed or dies alone, the Twisted reactor is
fresh for every crawl, and parallel crawls use all cores. The scheduler itself only waits:
APScheduler's thread pool (size = the global cap on parallel crawls) runs one watcher thread
per crawl, which holds the site's lease, enforces ``max_duration`` and settles the run record.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from bson import ObjectId

from crawler.config import ConfigError, SiteConfig, load_sites
from crawler.ops.alerts import record_health
from crawler.ops.leases import DEFAULT_TTL, Lease, owner_id
from crawler.ops.runs import finish_run, latest_run, new_run
from crawler.ops.watches import notify_watches
from crawler.rasdconfig import RasdConfig
from crawler.secrets import mask_secrets
from crawler.storage.failover import FailoverStore
from crawler.storage.spool import Spool
from crawler.storage.store import DATABASE_ERRORS, Store, open_store, utcnow

logger = logging.getLogger("rasd.schedule")

TERM_GRACE = 5.0     # seconds between asking a crawl to stop (SIGTERM) and killing it
POLL = 0.25
STDERR_TAIL = 20
CONFIG_CHECK_INTERVAL = 60.0  # seconds between two looks for broken site files


@dataclass
class Options:
    config: RasdConfig  # resolved by `rasd schedule`; its crawl children resolve the same
    max_parallel: int = field(default_factory=lambda: os.cpu_count() or 1)
    grace: float = 30.0
    settings: Sequence[tuple[str, str]] = ()
    verbose: bool = False
    lease_ttl: float = DEFAULT_TTL


@dataclass
class Plan:
    site: SiteConfig
    trigger: IntervalTrigger | CronTrigger
    next_run: datetime
    why: str


def plan(store: Store, sites: Sequence[SiteConfig], now: datetime | None = None) -> list[Plan]:
    now = now or utcnow()
    plans = []
    for site in sites:
        last = latest_run(store, site.name)
        started: datetime | None = last.get("started") if last else None
        schedule = site.crawl_schedule
        seconds = schedule.seconds
        if schedule.is_due(started, now):
            why = ("never crawled" if started is None
                   else f"last run {started:%Y-%m-%d %H:%M:%S} UTC is older than its schedule")
            next_run = now + timedelta(seconds=random.uniform(0, min(schedule.jitter(), 5.0)))
            trigger = schedule.trigger(next_run)
        elif seconds is not None and started is not None:  # not due means it has run
            next_run = started + timedelta(seconds=seconds)
            why = f"last run {started:%Y-%m-%d %H:%M:%S} UTC"
            trigger = schedule.trigger(next_run)
        else:
            trigger = schedule.trigger(now)
            next_run = trigger.get_next_fire_time(None, now)
            why = f"last run {started:%Y-%m-%d %H:%M:%S} UTC"
        plans.append(Plan(site, trigger, next_run, why))
    return plans


def describe(plans: Sequence[Plan]) -> list[str]:
    lines = []
    for p in plans:
        s = p.site
        every = s.crawl_schedule.describe()
        lines.append(f"{p.site.name}: {every}, time limit {p.site.max_duration}s; "
                     f"next run {p.next_run:%Y-%m-%d %H:%M:%S} UTC ({p.why})")
    return lines


class CrawlScheduler:
    def __init__(self, sites: Sequence[SiteConfig], options: Options) -> None:
        self.sites = {s.name: s for s in sites}
        self.options = options
        self.owner = owner_id()
        self.stopping = threading.Event()
        self.stop_deadline = float("inf")
        self.reported: set[str] = set()  # config problems already logged
        self.config_checked = float("-inf")  # when the site files were last checked
        self.config_check_interval = CONFIG_CHECK_INTERVAL
        self._reported_lock = threading.Lock()
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=options.max_parallel)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone="UTC",
        )

    # --- lifetime ----------------------------------------------------------------------

    def start(self) -> list[Plan]:
        with open_store(self.options.config.db) as store:
            plans = plan(store, list(self.sites.values()))
        for p in plans:
            self.scheduler.add_job(self.run_site, p.trigger, args=[p.site.name], id=p.site.name,
                                   name=f"crawl {p.site.name}", next_run_time=p.next_run)
        logger.info("scheduling %d site(s), at most %d crawl(s) at once, database %s, scheduler %s",
                    len(plans), self.options.max_parallel, mask_secrets(self.options.config.db), self.owner)
        for line in describe(plans):
            logger.info("%s", line)
        self.scheduler.start()
        return plans

    def request_stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        if self.stopping.is_set():
            return
        self.stop_deadline = time.monotonic() + self.options.grace
        self.stopping.set()
        name = signal.Signals(signum).name if signum else "stop"
        logger.info("%s received: no new crawls; running crawls get %.0fs to finish", name, self.options.grace)

    def serve(self) -> int:
        """Run until SIGTERM or SIGINT, then stop gracefully; returns the exit code."""
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        self.start()
        while not self.stopping.wait(1.0):
            pass
        self.scheduler.shutdown(wait=True)
        logger.info("scheduler stopped")
        return 0

    # --- one crawl ---------------------------------------------------------------------

    def run_site(self, name: str) -> None:
        """The APScheduler job: lease, child process, run record, health and alert."""
        if self.stopping.is_set():
            return
        self._report_config_problems()
        site = self.sites[name]
        try:
            with open_store(self.options.config.db) as store:
                lease = Lease(store, name, self.owner, self.options.lease_ttl)
                if not lease.acquire():
                    logger.info("%s: skipped, being crawled by %s", name, lease.holder)
                    return
                try:
                    self._replay_spool()
                    _settle_abandoned(store, name)
                    last = latest_run(store, name)
                    if last and not site.crawl_schedule.is_due(last.get("started"), utcnow(), share=0.5):
                        logger.info("%s: skipped, crawled at %s by %s", name, last["started"],
                                    last.get("scheduler") or last.get("trigger"))
                        return
                    run_id = new_run(store, name, "schedule", scheduler=self.owner)
                    self._crawl(store, site, run_id, lease)
                    health = record_health(store, site, self.options.config.alert_webhook)
                    notify_watches(store)
                    logger.info("%s: %s (%s)", name, health.state, health.reason)
                finally:
                    lease.release()
        except DATABASE_ERRORS as exc:
            logger.error("%s: database error: %s", name, mask_secrets(str(exc)))

    def _report_config_problems(self) -> None:
        """Log each broken site file once, as what it is: a crawl child leaves out the files
        of other sites, so a bad file dropped into the folder fails no other site's run."""
        with self._reported_lock:
            if time.monotonic() - self.config_checked < self.config_check_interval:
                return
            self.config_checked = time.monotonic()
        problems: list[ConfigError] = []
        try:
            load_sites(self.options.config.site_dirs, need=(), problems=problems)
        except ConfigError as exc:  # a sites folder removed meanwhile
            problems.append(exc)
        with self._reported_lock:
            for problem in problems:
                if str(problem) not in self.reported:
                    self.reported.add(str(problem))
                    logger.error("config problem (that site cannot be crawled until it is fixed): %s", problem)

    def _command(self, site: SiteConfig, run_id: ObjectId) -> list[str]:
        # The configuration (the database URI among it) travels in the environment (see
        # _crawl), never in argv: any user sees every process's arguments in `ps`.
        cmd = [sys.executable, "-m", "crawler.cli", "crawl", site.name, "--trigger", "schedule",
               "--run-id", str(run_id), "--scheduler-pid", str(os.getpid())]
        for key, value in self.options.settings:
            cmd += ["-s", f"{key}={value}"]
        return [*cmd, "-v"] if self.options.verbose else cmd

    def _crawl(self, store: Store, site: SiteConfig, run_id: ObjectId, lease: Lease) -> None:
        started = time.monotonic()
        child = subprocess.Popen(
            self._command(site, run_id), env=self.options.config.child_environment(os.environ),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True, text=True, encoding="utf-8",
            errors="replace",
        )
        logger.info("%s: crawl started (pid %d)", site.name, child.pid)
        tail: deque[str] = deque(maxlen=STDERR_TAIL)
        relay = threading.Thread(target=_relay, args=(child, site.name, tail), daemon=True)
        relay.start()
        stop_reason: str | None = None
        term_sent = 0.0
        renewed = started
        while child.poll() is None:
            time.sleep(POLL)
            now = time.monotonic()
            lease_lost = False
            if now - renewed >= self.options.lease_ttl / 3:
                renewed = now
                try:
                    lease_lost = not lease.renew()
                except DATABASE_ERRORS as exc:
                    logger.warning("%s: cannot renew the lease: %s", site.name, mask_secrets(str(exc)))
            if stop_reason is None:
                if lease_lost:  # expired and maybe taken: another scheduler may crawl the site now
                    stop_reason = "interrupted"
                    logger.error("%s: lease lost (database unreachable for too long?), stopping the crawl",
                                 site.name)
                elif now - started >= site.max_duration:
                    stop_reason = "timeout"
                    logger.warning("%s: over its time limit of %ds, stopping the crawl",
                                   site.name, site.max_duration)
                elif self.stopping.is_set() and now >= self.stop_deadline:
                    stop_reason = "interrupted"
                    logger.warning("%s: grace period over, stopping the crawl", site.name)
                if stop_reason:
                    term_sent = now
                    _signal_group(child, signal.SIGTERM)
            elif now - term_sent >= TERM_GRACE:
                _signal_group(child, signal.SIGKILL)
        _signal_group(child, signal.SIGKILL)  # whatever it left behind (a browser)
        relay.join(timeout=5)
        elapsed = time.monotonic() - started

        self._replay_spool()  # the run record, if the database was down as the crawl ended
        record = store.get_run(run_id) or {}
        if stop_reason == "timeout":
            finish_run(store, run_id, "timeout",
                       f"killed after exceeding max_duration ({site.max_duration}s)")
        elif stop_reason == "interrupted":
            finish_run(store, run_id, "interrupted", "stopped by the scheduler (shutdown or lease lost)")
        elif record.get("status") in (None, "running"):
            last_lines = " | ".join(line.strip() for line in tail if line.strip())[-500:]
            finish_run(store, run_id, "failed", f"crawl process exited with {child.returncode}: {last_lines}")
        final = store.get_run(run_id) or {}
        logger.info("%s: crawl %s in %.1fs (exit code %s)", site.name, final.get("status"), elapsed,
                    child.returncode)

    def _replay_spool(self) -> None:
        """Store what crawls had to spool (articles, and run records whose database was down
        as the crawl ended), so that runs are judged by their real records. Segments a
        running crawl holds are left to it."""
        config = self.options.config
        spool = Spool(config.spool)
        if not any(spool.waiting().values()):
            return
        with FailoverStore(config.db, str(config.spool)) as failover:
            if failover.open():
                c = failover.counts
                logger.info("replayed %d spooled article(s) and %d run record update(s)",
                            c.replayed, c.runs_replayed)


def follow_scheduler_death(scheduler_pid: int) -> None:
    """Called in a crawl child: if the scheduler dies without stopping us (SIGKILL, OOM
    killer), stop gracefully so no orphaned crawl runs on without a time limit (Linux).

    The kernel sends SIGHUP when the parent dies; our output pipe has no reader then, so it
    is pointed at /dev/null first (a write would raise BrokenPipeError mid-shutdown), and
    SIGTERM starts Scrapy's graceful shutdown, which still writes the run record."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    def orphaned(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # once: a second SIGTERM would be unclean
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.dup2(devnull, sys.stderr.fileno())
        reactor = sys.modules.get("twisted.internet.reactor")
        if reactor is None:  # not crawling yet: nothing to save
            os._exit(1)
        # Scrapy installs its SIGTERM handler when the reactor starts; not before.
        reactor.callWhenRunning(os.kill, os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGHUP, orphaned)
    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGHUP)
    except (OSError, AttributeError):
        return
    if os.getppid() != scheduler_pid:  # it died before prctl took effect
        orphaned(signal.SIGHUP, None)


def _settle_abandoned(store: Store, site: str) -> None:
    """Scheduled runs still marked running while we hold the lease belong to a scheduler
    that died (killed, power cut) before settling them."""
    for run in store.find_runs(site=site, status="running", trigger="schedule", limit=0):
        finish_run(store, run["_id"], "interrupted", "scheduler stopped unexpectedly during this run")


def _relay(child: subprocess.Popen[str], name: str, tail: deque[str]) -> None:
    """Copy the crawl's output into our log (console and rotating file)."""
    log = logging.getLogger(f"rasd.crawl.{name}")
    assert child.stdout is not None
    for line in child.stdout:
        tail.append(line)
        if line.strip():
            log.info("%s", line.rstrip())


def _signal_group(child: subprocess.Popen[str], sig: signal.Signals) -> None:
    try:
        os.killpg(child.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
