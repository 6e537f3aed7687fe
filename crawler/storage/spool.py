"""A durable local spool for what the database could not take: articles, and run records.

Why: the database may be down for minutes (MongoDB restarting, the embedded file locked or
read-only) while a crawl fetches pages that may be gone tomorrow. Such articles are appended
to JSON-lines files on local disk instead and replayed, in order, once the database is back.
A run that ends while the database is still down spools its run record the same way, so the
run is not lost from `rasd runs` but shows up, degraded, once the spool is replayed.

How it stays consistent under kill -9 and concurrent crawls:

* each writer appends to its own segment file, held under an exclusive ``flock`` while open,
  so lines of two crawls never interleave and a replayer never takes a live writer's segment;
* a line is written with one ``write()`` and fsync'd in batches; a kill can at worst leave a
  torn last line, which is skipped (that article was never stored, so the next crawl
  fetches it again);
* replay progress is a line count in a ``.done`` sidecar, replaced atomically; a crash
  between storing and recording progress replays a few lines again, which is harmless since
  ``Store.save_article`` is an upsert keyed by URL;
* a fully replayed segment is deleted;
* a line that cannot be decoded (a flipped byte, an invalid ObjectId or date, absurdly deep
  JSON) or that the database rejects is moved to ``quarantine/`` beside the segments, counted
  and shown by ``rasd spool``: one bad record must never stop the records behind it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from bson import json_util
from platformdirs import user_data_path

from crawler.storage.store import is_mongo_uri

logger = logging.getLogger(__name__)

SUFFIX = ".jsonl"
DONE_SUFFIX = ".done"
QUARANTINE = "quarantine"
# Replay progress is recorded every this many lines (and when a replay stops).
PROGRESS_EVERY = 50
_DUMP_OPTIONS = json_util.RELAXED_JSON_OPTIONS
_LOAD_OPTIONS = json_util.JSONOptions(tz_aware=True, tzinfo=UTC)
# What a spool line holds: an article for ``Store.save_article``, or an update of a run
# record (``crawler.ops.runs.apply_update``). Lines without a kind are articles.
ARTICLE, RUN = "article", "run"
KINDS = (ARTICLE, RUN)


class Record(NamedTuple):
    doc: dict[str, Any]
    at: datetime
    kind: str = ARTICLE


def spool_dir(uri: str, explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where articles for this database wait: the explicit folder, else beside the embedded
    store (``<db>.spool``), else the user data folder for MongoDB."""
    if explicit:
        return Path(explicit).expanduser()
    if is_mongo_uri(uri):
        return user_data_path("rasd", appauthor=False) / "spool"
    db = Path(uri).expanduser()
    return db.with_name(db.name + ".spool")


def encode(doc: dict[str, Any], at: datetime, kind: str = ARTICLE) -> bytes:
    """One spool line. Extended JSON keeps datetimes, ObjectIds and 64-bit ints exact."""
    if kind not in KINDS:
        raise ValueError(f"unknown spool record kind {kind!r}")
    text = json_util.dumps({"at": at, "kind": kind, "doc": doc}, json_options=_DUMP_OPTIONS,
                           ensure_ascii=False)
    return text.encode("utf-8") + b"\n"


class CorruptRecord(ValueError):
    """A spool line that does not decode to a record."""


class Rejected(Exception):
    """Raised by a replay's ``save`` for a record the database will never take: the line is
    quarantined and the replay goes on."""


def decode(line: bytes) -> Record:
    """Raises CorruptRecord for a line that is not a complete spool record."""
    try:
        record = json_util.loads(line.decode("utf-8"), json_options=_LOAD_OPTIONS)
    # Whatever the bytes: bson raises InvalidId/InvalidBSON, dates out of range OverflowError,
    # very deep JSON RecursionError, and other types for other damage.
    except Exception as exc:
        raise CorruptRecord(f"not a spool record: {type(exc).__name__}: {str(exc)[:200]}") from exc
    if not isinstance(record, dict) or not isinstance(record.get("doc"), dict) \
            or not isinstance(record.get("at"), datetime) or record.get("kind", ARTICLE) not in KINDS:
        raise CorruptRecord("not a spool record")
    return Record(record["doc"], record["at"], record.get("kind", ARTICLE))


@dataclass
class SegmentStatus:
    path: Path
    lines: int = 0          # complete lines
    done: int = 0           # lines already replayed
    torn: bool = False      # an incomplete last line (a writer killed mid-write)
    corrupt: int = 0        # complete lines that do not decode
    active: bool = False    # a live writer holds it
    sites: Counter[str] = field(default_factory=Counter)  # waiting articles by site
    runs: int = 0           # waiting run-record updates
    oldest: datetime | None = None
    newest: datetime | None = None

    @property
    def waiting(self) -> int:
        """Records of any kind not yet replayed."""
        return max(self.lines - self.done - self.corrupt, 0)

    @property
    def articles(self) -> int:
        return sum(self.sites.values())

    @property
    def pending(self) -> Counter[str]:
        """Waiting records by kind."""
        return Counter({ARTICLE: self.articles, RUN: self.runs})


def pending(segments: list[SegmentStatus]) -> Counter[str]:
    """Waiting records by kind, over segments."""
    return sum((st.pending for st in segments), Counter())


@dataclass
class ReplayResult:
    stored: int = 0
    torn: int = 0
    corrupt: int = 0     # undecodable lines, quarantined
    rejected: int = 0    # lines the database refused, quarantined
    busy: int = 0  # segments skipped because another process holds them


def _read_done(seg: Path) -> int:
    try:
        return int((seg.parent / (seg.name + DONE_SUFFIX)).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def _write_done(seg: Path, count: int) -> None:
    done = seg.parent / (seg.name + DONE_SUFFIX)
    tmp = done.with_name(done.name + ".tmp")
    with open(tmp, "w") as fh:
        fh.write(str(count))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, done)


def _lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _lines(fh: Any) -> Iterator[tuple[bytes, bool]]:
    """(line, complete) pairs; only the last line can be incomplete."""
    for line in fh:
        yield line, line.endswith(b"\n")


class Spool:
    """One process's view of a spool folder: its own segment to append to, and every
    segment not held by a live writer to replay."""

    def __init__(self, directory: str | os.PathLike[str], sync_every: int = 32,
                 sync_interval: float = 1.0) -> None:
        self.directory = Path(directory)
        self.sync_every = sync_every
        self.sync_interval = sync_interval
        self._fd: int | None = None
        self._segment: Path | None = None
        self._unsynced = 0
        self._last_sync = 0.0
        self.appended = 0

    # --- writing ---------------------------------------------------------------------------

    def check_writable(self) -> None:
        """Raises OSError when articles could not be spooled here."""
        self.directory.mkdir(parents=True, exist_ok=True)
        probe = self.directory / f".probe-{os.getpid()}-{secrets.token_hex(3)}"
        probe.write_bytes(b"")
        probe.unlink()

    def append(self, doc: dict[str, Any], at: datetime, kind: str = ARTICLE) -> None:
        """Raises OSError when the spool itself cannot be written (disk full, no access)."""
        line = encode(doc, at, kind)
        if self._fd is None:
            self._open_segment()
        assert self._fd is not None
        try:
            written = os.write(self._fd, line)
            if written != len(line):  # a short write on a full disk: do not leave half a record
                os.ftruncate(self._fd, os.lseek(self._fd, 0, os.SEEK_CUR) - written)
                raise OSError(f"spool {self._segment}: short write ({written} of {len(line)} bytes)")
        except OSError:
            self._drop_if_empty()
            raise
        self.appended += 1
        self._unsynced += 1
        if self._unsynced >= self.sync_every or time.monotonic() - self._last_sync >= self.sync_interval:
            self.sync()

    def _open_segment(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(3)}{SUFFIX}"
        path = self.directory / name
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
        if not _lock(fd):  # impossible for a fresh unique name, but never write unlocked
            os.close(fd)
            raise OSError(f"cannot lock new spool segment {path}")
        self._fd, self._segment = fd, path
        self._fsync_dir()

    def _drop_if_empty(self) -> None:
        """Close and remove the own segment if nothing was ever written to it (the first
        write failed on a full disk): an empty segment must not outlive the failure."""
        if self._fd is None or os.fstat(self._fd).st_size:
            return
        os.close(self._fd)
        segment, self._fd, self._segment = self._segment, None, None
        if segment is not None:
            segment.unlink(missing_ok=True)

    def _fsync_dir(self) -> None:
        dfd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def sync(self) -> None:
        if self._fd is not None and self._unsynced:
            os.fsync(self._fd)
        self._unsynced = 0
        self._last_sync = time.monotonic()

    def rotate(self) -> None:
        """Finish the current segment (synced, unlocked) so it can be replayed; the next
        append starts a new one."""
        if self._fd is None:
            return
        try:
            self.sync()
        finally:
            size = os.fstat(self._fd).st_size
            os.close(self._fd)  # closing releases the flock
            segment, self._fd, self._segment = self._segment, None, None
            if segment is not None and size == 0:
                segment.unlink(missing_ok=True)

    def close(self) -> None:
        self.rotate()

    # --- reading ---------------------------------------------------------------------------

    def segments(self) -> list[Path]:
        """Segments in creation order (the names start with a nanosecond timestamp)."""
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir() if p.name.endswith(SUFFIX))

    def status(self) -> list[SegmentStatus]:
        """What is waiting, without changing anything."""
        out = []
        for seg in self.segments():
            st = SegmentStatus(seg, done=_read_done(seg), active=seg == self._segment)
            try:
                fh = open(seg, "rb")
            except FileNotFoundError:  # replayed and removed meanwhile
                continue
            with fh:
                if seg != self._segment and not _lock(fh.fileno()):
                    st.active = True
                for i, (line, complete) in enumerate(_lines(fh)):
                    if not complete:
                        st.torn = True
                        break
                    st.lines += 1
                    if i < st.done:
                        continue
                    try:
                        record = decode(line)
                    except CorruptRecord:
                        st.corrupt += 1
                        continue
                    if record.kind == RUN:
                        st.runs += 1
                    else:
                        st.sites[str(record.doc.get("site"))] += 1
                    st.oldest = min(st.oldest or record.at, record.at)
                    st.newest = max(st.newest or record.at, record.at)
            out.append(st)
        return out

    def waiting(self) -> Counter[str]:
        """Records not yet replayed, by kind."""
        return pending(self.status())

    def replay(self, save: Callable[[Record], Any]) -> ReplayResult:
        """Feed every waiting record, oldest segment first and in line order, to ``save``.

        An exception from ``save`` (the database went away again) stops the replay with the
        progress so far recorded, and propagates. The own segment is rotated first so that
        what this process spooled is replayed too."""
        self.rotate()
        result = ReplayResult()
        for seg in self.segments():
            try:
                fh = open(seg, "rb")
            except FileNotFoundError:
                continue
            with fh:
                if not _lock(fh.fileno()):
                    result.busy += 1
                    continue
                self._replay_segment(seg, fh, save, result)
        return result

    def _replay_segment(self, seg: Path, fh: Any, save: Callable[[Record], Any],
                        result: ReplayResult) -> None:
        done = _read_done(seg)
        position = 0
        recorded = done
        try:
            for position, (line, complete) in enumerate(_lines(fh)):
                if position < done:
                    continue
                if not complete:
                    result.torn += 1
                    break
                try:
                    save(decode(line))
                except CorruptRecord as exc:
                    self._quarantine(seg, line, str(exc))
                    result.corrupt += 1
                except Rejected as exc:
                    self._quarantine(seg, line, str(exc))
                    result.rejected += 1
                else:
                    result.stored += 1
                if position + 1 - recorded >= PROGRESS_EVERY:
                    _write_done(seg, position + 1)
                    recorded = position + 1
        except BaseException:
            # ``position`` is the line that failed: everything before it is stored.
            if position > recorded:
                _write_done(seg, position)
            raise
        # Everything readable was stored: the segment (torn tail included) is finished.
        # The segment goes first, so a crash here leaves at most a stray .done file.
        seg.unlink(missing_ok=True)
        (seg.parent / (seg.name + DONE_SUFFIX)).unlink(missing_ok=True)

    # --- quarantine --------------------------------------------------------------------------

    @property
    def quarantine_dir(self) -> Path:
        return self.directory / QUARANTINE

    def _quarantine(self, seg: Path, line: bytes, why: str) -> None:
        """Keep a line that cannot be stored, byte for byte, for a person to look at, and
        why in a log line beside it; replaying goes on with the next line."""
        folder = self.quarantine_dir
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / seg.name, "ab") as fh:
            fh.write(line)
        with open(folder / (seg.name + ".why"), "a", encoding="utf-8") as fh:
            fh.write(why.replace("\n", " ") + "\n")
        logger.warning("spool %s: a record was quarantined in %s: %s", seg.name, folder, why)

    def quarantined(self) -> int:
        """Lines set aside so far (undecodable or rejected by the database)."""
        if not self.quarantine_dir.is_dir():
            return 0
        total = 0
        for path in self.quarantine_dir.glob(f"*{SUFFIX}"):
            with open(path, "rb") as fh:
                total += sum(1 for _ in fh)
        return total

    def remove_stray_progress(self) -> None:
        """Drop .done files whose segment is gone (a crash between the two unlinks)."""
        if not self.directory.is_dir():
            return
        segments = {p.name for p in self.segments()}
        for done in self.directory.glob(f"*{SUFFIX}{DONE_SUFFIX}"):
            if done.name[: -len(DONE_SUFFIX)] not in segments:
                done.unlink(missing_ok=True)
