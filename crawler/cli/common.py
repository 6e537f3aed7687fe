"""What several commands share: exit codes, the CLI's error, loading sites and the store,
and plain-text tables. Kept light: every command imports it, ``rasd --help`` included."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from crawler.controls import printable

if TYPE_CHECKING:
    from crawler.config import SiteConfig
    from crawler.rasdconfig import RasdConfig
    from crawler.storage.store import Store

# EXIT_DEGRADED (EX_TEMPFAIL): the crawl ran, but articles still wait in the spool.
# EXIT_FAILED: every site a crawl was asked for failed (unreachable, nothing answered).
EXIT_OK, EXIT_USAGE, EXIT_CONFIG, EXIT_DB, EXIT_DEGRADED, EXIT_SOFTWARE = 0, 64, 2, 3, 75, 70
EXIT_FAILED = 1


class CliError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def load_sites(config: RasdConfig) -> dict[str, SiteConfig]:
    from crawler.config import load_sites as load

    return load(config.site_dirs)


def open_store(config: RasdConfig) -> Store:
    from crawler.storage import store

    return store.open_store(config.db)


def active_sites(config: RasdConfig) -> tuple[dict[str, SiteConfig], list[str]]:
    """Every configured site by name, and the names of the active set
    (crawler.config.active_site_names)."""
    from crawler.config import active_site_names
    from crawler.config import load_sites as load

    sites = load(config.site_dirs)
    return sites, active_site_names(sites, config.site_dirs)


def chosen_sites(args: argparse.Namespace, config: RasdConfig) -> list[SiteConfig]:
    """The sites named on the command line, or the active set."""
    sites, active = active_sites(config)
    check_known(args.names, sites)
    return [sites[n] for n in (args.names or active)]


def check_known(names: Sequence[str], sites: Mapping[str, Any]) -> None:
    unknown = [n for n in names if n not in sites]
    if unknown:
        raise CliError(f"unknown site(s): {', '.join(unknown)} (known: {', '.join(sorted(sites))})",
                       EXIT_CONFIG)


def when(text: str) -> datetime:
    """ISO date/time (UTC unless given) or a look-back like 24h / 7d."""
    m = re.fullmatch(r"(\d+)([mhd])", text.strip())
    if m:
        from crawler.storage.store import utcnow

        unit = {"m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
        return utcnow() - timedelta(**{unit: int(m.group(1))})
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date, time or look-back (24h, 7d): {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    cells = [[str(h) for h in headers]] + [["" if c is None else printable(str(c)) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def say(text: str = "") -> None:
    """A line of human output: nothing in stored text may act on the terminal."""
    print(printable(text))


def json_line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def pending_text(counts: Mapping[str, int]) -> str:
    """What waits in a spool, in words: "8 article(s) and 2 run record update(s)"."""
    from crawler.storage.spool import ARTICLE, RUN

    parts = [f"{counts.get(ARTICLE, 0)} article(s)"]
    if counts.get(RUN):
        parts.append(f"{counts[RUN]} run record update(s)")
    return " and ".join(parts)
