"""``rasd spool``: what waits in the spool; with --replay, store it now."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_DB, EXIT_OK, CliError, pending_text, table

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    from crawler.storage.failover import FailoverStore
    from crawler.storage.query import iso
    from crawler.storage.spool import ARTICLE, RUN, Spool, pending
    from crawler.storage.store import mask_secrets

    directory = config.spool
    if args.replay:
        with FailoverStore(config.db, str(directory)) as store:
            if not store.open():
                raise CliError(f"database unavailable: {store.counts.errors[-1]}", EXIT_DB)
            c = store.counts
            print(f"replayed {c.replayed} article(s) into {mask_secrets(config.db)}"
                  + "".join(f", {n} {k}" for k, n in sorted(c.outcomes.items()))
                  + (f"; {c.runs_replayed} run record update(s)" if c.runs_replayed else "")
                  + (f"; skipped {c.torn} torn line(s)" if c.torn else "")
                  + (f"; quarantined {c.corrupt} corrupt and {c.rejected} rejected record(s)"
                     if c.corrupt or c.rejected else ""))
    spool = Spool(directory)
    segments = spool.status()
    waiting = pending(segments)
    quarantined = spool.quarantined()
    if args.format == "json":
        print(json.dumps({
            "spool": str(directory), "waiting": waiting[ARTICLE], "run_records": waiting[RUN],
            "quarantined": quarantined, "quarantine": str(spool.quarantine_dir),
            "segments": [{"file": s.path.name, "waiting": s.articles, "run_records": s.runs,
                          "replayed": s.done,
                          "torn": s.torn, "corrupt": s.corrupt, "active": s.active,
                          "sites": dict(s.sites), "oldest": iso(s.oldest), "newest": iso(s.newest)}
                         for s in segments],
        }, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"spool: {directory}")
    print(f"waiting: {pending_text(waiting)}")
    if quarantined:
        print(f"quarantined: {quarantined} record(s) that cannot be stored, kept in "
              f"{spool.quarantine_dir} (the reason of each in the .why file beside it)")
    if segments:
        rows = [[s.path.name, pending_text(s.pending),
                 ", ".join(f"{k} {n}" for k, n in s.sites.most_common()), iso(s.oldest) or "",
                 "writing" if s.active else "; ".join(
                     n for n in ("torn tail" if s.torn else "",
                                 f"{s.corrupt} corrupt, quarantined on replay" if s.corrupt else "") if n)]
                for s in segments]
        print(table(rows, ["segment", "waiting", "sites", "oldest", "note"]))
    return EXIT_OK
