"""Site configurations: one TOML file per site, validated up front.

A config error must stop the user before any crawling starts and tell them which file,
which key and why, so every check here raises :class:`ConfigError` with all three.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import re2

from crawler.model import fields_with
from crawler.schedule import Schedule, interval_seconds
from crawler.urls import canonical_url, origin_of

BUILTIN_SITES_DIR = Path(__file__).parent / "sites"
# Article fields a site may select, and ``remove``: elements dropped before extraction.
SELECTOR_FIELDS = frozenset({*fields_with("selector"), "remove"})
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
PAGE_KINDS = ("listing", "article")
DEFAULT_RENDER_TIMEOUT = 30.0


class ConfigError(ValueError):
    """A site config that cannot be used; the message names file, key and reason."""

    def __init__(self, path: Path | str, key: str | None, reason: str) -> None:
        self.path, self.key, self.reason = str(path), key, reason
        where = f"{path}: key '{key}'" if key else str(path)
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Layout:
    """One version of a site's markup: the selectors valid for pages published in
    [since, until) (dates in the site's time zone; either end may be open).

    A redesign adds a layout instead of editing the old one, so saved pages from before
    the redesign keep parsing. ``selectors`` already include the site's shared ones.
    """

    name: str
    since: date | None = None
    until: date | None = None
    selectors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    own_selectors: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def covers(self, day: date) -> bool:
        return (self.since is None or day >= self.since) and (self.until is None or day < self.until)


@dataclass(frozen=True)
class SiteConfig:
    """One news site: where to discover articles and how to read them."""

    name: str
    path: Path
    title: str = ""
    start_urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    article_urls: tuple[Any, ...] = ()  # RE2 patterns (see _regexes)
    follow: tuple[Any, ...] = ()
    render: bool = False
    # Which pages go through the browser when render is on; listings may well be plain HTML
    # even where articles are built by scripts, and a browser page costs ~10x a request.
    render_pages: tuple[str, ...] = PAGE_KINDS
    # CSS/XPath selector per page kind ("listing", "article") that a rendered page must show
    # before its HTML is taken: content inserted by scripts arrives after the load event.
    wait_for: dict[str, str] = field(default_factory=dict)
    render_timeout: float = DEFAULT_RENDER_TIMEOUT
    schedule: str = "1h"
    max_duration: int = 3600  # seconds; the scheduler kills a crawl that runs longer
    timezone: str = "UTC"
    language: str = "ar"
    allowed_domains: tuple[str, ...] = ()
    read_also_depth: int = 1
    max_pages: int = 0
    obey_robots: bool = True  # False only by an explicit opt-out in the config, logged per crawl
    selectors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    layouts: tuple[Layout, ...] = ()
    # scheme://host[:port] every spelling of this site's URLs is rewritten to.
    canonical_origin: str = ""
    # Seconds after publication during which stored articles are rechecked (conditional GET).
    recheck_window: int = 48 * 3600
    drop_duplicates: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def entry_points(self) -> tuple[str, ...]:
        return self.feeds + self.sitemaps + self.start_urls

    @property
    def crawl_schedule(self) -> Schedule:
        return Schedule(self.schedule, self.timezone)

    def schedule_seconds(self) -> int | None:
        """Interval length in seconds, or None when the schedule is a cron expression."""
        return self.crawl_schedule.seconds

    def canonical(self, url: str, base: str | None = None) -> str:
        """:func:`crawler.urls.canonical_url` with this site's preferred origin."""
        return canonical_url(url, base, origin=self.canonical_origin or None)

    def is_article_url(self, url: str) -> bool:
        if self.article_urls:
            return any(p.search(url) for p in self.article_urls)
        return _looks_like_article(url)

    def renders(self, kind: str) -> bool:
        """Whether pages of this kind ("listing", "article") go through the browser."""
        return self.render and kind in self.render_pages

    def is_follow_url(self, url: str) -> bool:
        return any(p.search(url) for p in self.follow)

    def owns(self, url: str) -> bool:
        """Whether a URL belongs to this site (its host or a subdomain of it)."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)



def _looks_like_article(url: str) -> bool:
    """Generic-mode guess: article paths carry a long numeric id or a multi-word slug."""
    path = urlsplit(url).path
    if re.search(r"\d{4,}", path):
        return True
    last = [s for s in path.split("/") if s]
    return bool(last) and last[-1].count("-") >= 3


# --- the keys a site config may hold ----------------------------------------------------


@dataclass(frozen=True)
class Key:
    """One key users may write in a site config, as they write it.

    The single list of keys: the validator accepts exactly these (and takes its defaults
    from here), and docs/site-config-keys.md is generated from them, so the reference
    cannot drift from what Rasd accepts."""

    name: str
    type: str  # as written in TOML
    meaning: str
    # The TOML value used when the key is absent; None when it is required or derived.
    default: Any = None
    # Said instead of the default when there is none to write (required, derived).
    default_text: str = ""

    @property
    def default_shown(self) -> str:
        if self.default_text:
            return self.default_text
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        return f'"{self.default}"' if isinstance(self.default, str) else repr(self.default)


SITE_KEYS: tuple[Key, ...] = (
    Key("name", "string", "unique id, equal to the file name: a-z, 0-9, '-', '_'",
        default_text="required"),
    Key("title", "string", "display name", default_text="the name"),
    Key("start_urls", "list of URLs", "listing pages scanned for article links; at least one of "
        "start_urls, feeds, sitemaps is required", default_text="[]"),
    Key("feeds", "list of URLs", "RSS 2.0, Atom or JSON Feed", default_text="[]"),
    Key("sitemaps", "list of URLs", "sitemap, sitemap index or Google News sitemap", default_text="[]"),
    Key("article_urls", "list of RE2 regexes", "which links are articles; without it, links whose path "
        "carries a long number or a multi-word slug (generic mode)", default_text="[]"),
    Key("follow", "list of RE2 regexes", "listing/pagination links to follow from start_urls",
        default_text="[]"),
    Key("render", 'boolean or list of "listing"/"article"', "load these pages in headless Chromium "
        "(pages built by JavaScript); true = both kinds", default=False),
    Key("wait_for", "selector, or table listing/article = selector", "rendered pages: the element "
        "whose presence means the content has arrived", default_text="network idle for 0.5 s"),
    Key("render_timeout", "number of seconds", "rendered pages: seconds per page", default=30),
    Key("schedule", "string", "interval (30s, 15m, 2h, 1d) or 5-field cron expression, in the "
        "site's timezone", default="1h"),
    Key("max_duration", "interval or seconds",
        "a scheduled crawl (or a run shared by workers) running longer is stopped", default="1h"),
    Key("timezone", "IANA time zone", "for page dates printed without a zone and for cron",
        default="UTC"),
    Key("language", "language code", "stored when the text does not show its language", default="ar"),
    Key("allowed_domains", "list of host names", "domains the crawl stays on (subdomains included)",
        default_text="the hosts of the entry points"),
    Key("read_also_depth", "whole number", "how many read-also hops to follow from a discovered "
        "article", default=1),
    Key("max_pages", "whole number", "cap on article requests per run; 0 = none", default=0),
    Key("obey_robots", "boolean", "obey robots.txt; false is an explicit opt-out, logged at every "
        "crawl", default=True),
    Key("canonical_origin", "scheme://host", "the scheme and host every spelling of the site's URLs "
        "is rewritten to", default_text="scheme and host of the first feed/sitemap/start URL"),
    Key("recheck_window", "interval", "how long after publication stored articles are rechecked "
        '(conditional GET); "0" = never', default="48h"),
    Key("drop_duplicates", "boolean", "don't store near-duplicates of an article already stored",
        default=False),
    Key("selectors", "table field = selector or list", "per field: CSS, or XPath when starting "
        "with / ./ ( — overrides the generic extraction layers", default_text="{}"),
    Key("layouts", "array of tables [[layouts]]", "selectors for one era of the site's markup "
        "(keys below)", default_text="[]"),
)
LAYOUT_KEYS: tuple[Key, ...] = (
    Key("name", "string", "a short label such as '2023'", default_text="required"),
    Key("since", "date", "pages published from this day (site's time zone)", default_text="open"),
    Key("until", "date", "pages published before this day", default_text="open"),
    Key("selectors", "table field = selector or list", "at least one; added to (and overriding) "
        "the shared [selectors]", default_text="required"),
)
_KNOWN_KEYS = frozenset(k.name for k in SITE_KEYS)
_LAYOUT_KEYS = frozenset(k.name for k in LAYOUT_KEYS)
_DEFAULTS = {k.name: k.default for k in SITE_KEYS if k.default is not None}


# --- loading and validation -------------------------------------------------------------



def _str_list(path: Path, data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(path, key, "must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _urls(path: Path, data: dict[str, Any], key: str) -> tuple[str, ...]:
    urls = _str_list(path, data, key)
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(path, key, f"{url!r} is not an absolute http(s) URL")
    return urls


# RE2 runs in time linear in the URL whatever the pattern, so a site config (from a colleague,
# a catalogue) cannot hang a crawl with a backtracking pattern such as '(a+)+$'. It has no
# look-around or back-references; Python's \uXXXX escapes are translated to RE2's \x{XXXX}.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_PY_UNICODE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})")
_REPEAT = re.compile(r"(?<!\\)\{(\d+)(?:,(\d*))?\}")
MAX_REPEAT = 1000  # RE2's own limit, which it does not enforce on counts beyond 32 bits


def compile_regex(pattern: str) -> Any:
    """A linear-time (RE2) pattern; raises ValueError saying why it cannot be used."""
    for m in _REPEAT.finditer(pattern):
        if max(int(n) for n in m.groups() if n) > MAX_REPEAT:
            raise ValueError(f"repetition count {m.group(0)} is over {MAX_REPEAT}")
    try:
        return re2.compile(_PY_UNICODE_ESCAPE.sub(r"\1\\x{\2}", pattern), _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(f"{reason} (site patterns run on RE2, which has no look-around "
                         "or back-references so that no pattern can hang a crawl)") from exc


def _regexes(path: Path, data: dict[str, Any], key: str) -> tuple[Any, ...]:
    out = []
    for pattern in _str_list(path, data, key):
        try:
            out.append(compile_regex(pattern))
        except ValueError as exc:
            raise ConfigError(path, key, f"invalid regular expression {pattern!r}: {exc}") from exc
    return tuple(out)


def _duration(path: Path, data: dict[str, Any], key: str, default: int) -> int:
    """A positive duration: an interval string (90s, 30m, 2h) or a number of seconds."""
    value = data.get(key, default)
    seconds = interval_seconds(value.strip()) if isinstance(value, str) else value
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0:
        raise ConfigError(path, key, f"{value!r} is not a duration such as '90s', '30m' or '2h'")
    return seconds


def parse_site(path: Path, data: dict[str, Any]) -> SiteConfig:
    """Validate one parsed TOML document; ``path`` is only used in error messages."""
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(path, unknown[0], f"unknown key (known keys: {', '.join(sorted(_KNOWN_KEYS))})")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(path, "name", "required; lower-case letters, digits, '-' or '_'")
    if path.suffix == ".toml" and path.stem != name:
        raise ConfigError(path, "name", f"must equal the file name ({path.stem!r}), got {name!r}")

    start_urls, feeds, sitemaps = (_urls(path, data, k) for k in ("start_urls", "feeds", "sitemaps"))
    if not (start_urls or feeds or sitemaps):
        raise ConfigError(path, "start_urls", "a site needs at least one of start_urls, feeds, sitemaps")

    schedule = data.get("schedule", _DEFAULTS["schedule"])
    if not isinstance(schedule, str):
        raise ConfigError(path, "schedule", "must be a string such as '15m' or '*/30 * * * *'")
    try:
        Schedule(schedule.strip()).validate()
    except ValueError as exc:
        raise ConfigError(path, "schedule", str(exc)) from exc

    max_duration = _duration(path, data, "max_duration", default=_DEFAULTS["max_duration"])

    timezone = data.get("timezone", _DEFAULTS["timezone"])
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(path, "timezone", f"unknown time zone {timezone!r}") from exc

    render_pages = _render_pages(path, data.get("render", _DEFAULTS["render"]))
    if not isinstance(data.get("drop_duplicates", _DEFAULTS["drop_duplicates"]), bool):
        raise ConfigError(path, "drop_duplicates", "must be true or false")
    if not isinstance(data.get("obey_robots", _DEFAULTS["obey_robots"]), bool):
        raise ConfigError(path, "obey_robots", "must be true or false")
    for key in ("read_also_depth", "max_pages"):
        value = data.get(key, _DEFAULTS[key])
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(path, key, "must be a whole number >= 0")

    render_timeout = data.get("render_timeout", _DEFAULTS["render_timeout"])
    if not isinstance(render_timeout, int | float) or isinstance(render_timeout, bool) or render_timeout <= 0:
        raise ConfigError(path, "render_timeout", "must be a number of seconds greater than zero")

    selectors = _selectors(path, data.get("selectors", {}), "selectors")
    layouts = _layouts(path, data.get("layouts", []), selectors)

    domains = _str_list(path, data, "allowed_domains") or tuple(
        sorted({_registered_host(u) for u in start_urls + feeds + sitemaps})
    )
    title = data.get("title", name)
    if not isinstance(title, str):
        raise ConfigError(path, "title", "must be a string")
    language = data.get("language", _DEFAULTS["language"])
    if not isinstance(language, str):
        raise ConfigError(path, "language", "must be a language code such as 'ar'")
    origin = data.get("canonical_origin", "")
    if origin:
        parts = urlsplit(origin) if isinstance(origin, str) else None
        if not parts or parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/"):
            raise ConfigError(path, "canonical_origin", "must be scheme://host such as 'https://www.example.com'")
        origin = origin_of(origin)
    else:
        # The first entry point says which scheme and host the site is reached under.
        origin = origin_of((feeds + sitemaps + start_urls)[0])
    recheck = data.get("recheck_window", _DEFAULTS["recheck_window"])
    if not isinstance(recheck, str) or not (recheck.strip() == "0" or interval_seconds(recheck.strip()) is not None):
        raise ConfigError(path, "recheck_window", "must be an interval such as '48h', '2d' or '0' (never)")
    recheck_seconds = interval_seconds(recheck.strip()) or 0
    return SiteConfig(
        name=name, path=path, title=title, start_urls=start_urls, feeds=feeds,
        sitemaps=sitemaps, article_urls=_regexes(path, data, "article_urls"),
        follow=_regexes(path, data, "follow"), render=bool(render_pages),
        render_pages=render_pages or PAGE_KINDS,
        wait_for=_wait_for(path, data.get("wait_for")), render_timeout=float(render_timeout),
        schedule=schedule.strip(), max_duration=max_duration, timezone=str(timezone), language=language,
        allowed_domains=tuple(d.lower() for d in domains),
        read_also_depth=data.get("read_also_depth", _DEFAULTS["read_also_depth"]),
        max_pages=data.get("max_pages", _DEFAULTS["max_pages"]),
        obey_robots=data.get("obey_robots", _DEFAULTS["obey_robots"]), selectors=selectors, layouts=layouts,
        canonical_origin=origin, recheck_window=recheck_seconds,
        drop_duplicates=data.get("drop_duplicates", _DEFAULTS["drop_duplicates"]),
    )


def _selectors(path: Path, raw: Any, prefix: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise ConfigError(path, prefix, "must be a table of field = selector")
    selectors: dict[str, tuple[str, ...]] = {}
    for fname, sel in raw.items():
        key = f"{prefix}.{fname}"
        if fname not in SELECTOR_FIELDS:
            raise ConfigError(path, key, f"unknown field (known: {', '.join(sorted(SELECTOR_FIELDS))})")
        selectors[fname] = _str_list(path, raw, fname) if sel else ()
        if not selectors[fname]:
            raise ConfigError(path, key, "must be a non-empty selector or list of selectors")
        _check_selectors(path, key, selectors[fname])
    return selectors


def _day(path: Path, key: str, value: Any) -> date | None:
    """A TOML date (2024-05-01) or the same as a string; None when absent."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(path, key, f"must be a date such as 2024-05-01, got {value!r}")


def _layouts(path: Path, raw: Any, shared: dict[str, tuple[str, ...]]) -> tuple[Layout, ...]:
    """[[layouts]] tables in file order (the order is also the fallback matching order)."""
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise ConfigError(path, "layouts", "must be an array of tables: [[layouts]]")
    layouts: list[Layout] = []
    for i, table in enumerate(raw):
        where = f"layouts[{i}]"
        unknown = sorted(set(table) - _LAYOUT_KEYS)
        if unknown:
            raise ConfigError(path, f"{where}.{unknown[0]}",
                              f"unknown key (known keys: {', '.join(sorted(_LAYOUT_KEYS))})")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(path, f"{where}.name", "required: a short label such as '2024'")
        if any(layout.name == name for layout in layouts):
            raise ConfigError(path, f"{where}.name", f"duplicate layout name {name!r}")
        since, until = _day(path, f"{where}.since", table.get("since")), _day(
            path, f"{where}.until", table.get("until"))
        if since and until and since >= until:
            raise ConfigError(path, f"{where}.until", f"must be after since ({since})")
        own = _selectors(path, table.get("selectors", {}), f"{where}.selectors")
        if not own:
            raise ConfigError(path, f"{where}.selectors", "a layout needs at least one selector")
        layouts.append(Layout(name=name, since=since, until=until,
                              selectors={**shared, **own}, own_selectors=own))
    return tuple(layouts)


def _render_pages(path: Path, value: Any) -> tuple[str, ...]:
    """``true`` renders listings and articles, a list only those page kinds, ``false`` none."""
    if isinstance(value, bool):
        return PAGE_KINDS if value else ()
    if isinstance(value, list) and value and all(v in PAGE_KINDS for v in value):
        return tuple(k for k in PAGE_KINDS if k in value)
    raise ConfigError(path, "render", 'must be true or false, or a list of page kinds ("listing", "article")')


def _wait_for(path: Path, value: Any) -> dict[str, str]:
    """One selector for every rendered page, or a table with one per page kind, because a
    listing and an article rarely share the element that shows their content has arrived."""
    if value is None:
        return {}
    if isinstance(value, str):
        entries = [("wait_for", kind, value) for kind in PAGE_KINDS]
    elif isinstance(value, dict):
        entries = [(f"wait_for.{kind}", kind, sel) for kind, sel in value.items()]
    else:
        raise ConfigError(path, "wait_for", "must be a selector or a table of listing/article selectors")
    out: dict[str, str] = {}
    for key, kind, sel in entries:
        if kind not in PAGE_KINDS:
            raise ConfigError(path, key, f"unknown page kind (known: {', '.join(PAGE_KINDS)})")
        if not isinstance(sel, str) or not sel.strip():
            raise ConfigError(path, key, "must be a non-empty CSS or XPath selector")
        _check_selectors(path, key, [sel.strip()])
        out[kind] = sel.strip()
    return out


def _check_selectors(path: Path, key: str, selectors: Iterable[str]) -> None:
    from parsel import Selector

    probe = Selector(text="<html><body></body></html>")
    for sel in selectors:
        if _XPATH_REGEX.search(sel):
            raise ConfigError(path, key, f"{sel!r}: regular expressions in selectors (re:test, re:match, "
                              "re:replace) run on a backtracking engine that a page can hang; use "
                              "contains() or starts-with()")
        try:
            if is_xpath(sel):
                probe.xpath(sel)
            else:
                probe.css(sel)
        except Exception as exc:  # parsel raises several unrelated types for bad syntax
            raise ConfigError(path, key, f"invalid selector {sel!r}: {exc}") from exc


# EXSLT regular expressions, which parsel evaluates with Python's re (see compile_regex).
_XPATH_REGEX = re.compile(r"\bre:(?:test|match|replace)\s*\(")


def is_xpath(selector: str) -> bool:
    """Selectors are CSS unless they look like XPath ('/…', './…', '(…')."""
    return selector.startswith(("/", "./", "("))


def _registered_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def load_site_file(path: Path) -> SiteConfig:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read file: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(path, _key_on_line(raw, line),
                          f"not UTF-8: byte 0x{raw[exc.start]:02x} on line {line} "
                          "(save the file as UTF-8)") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}") from exc
    except RecursionError as exc:
        deep = re.search(r"^\s*([\w.\"'-]+)\s*=\s*[\[{]{32,}", text, re.M)
        raise ConfigError(path, deep.group(1) if deep else None, "value nested too deeply") from exc
    return parse_site(path, data)


def _key_on_line(raw: bytes, line: int) -> str | None:
    """The key assigned on a line of a TOML file, to name it in an error about that line."""
    lines = raw.split(b"\n")
    m = re.match(rb"\s*([\w.-]+)\s*=", lines[line - 1]) if line <= len(lines) else None
    return m.group(1).decode("ascii") if m else None


def site_dirs(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Built-in sites first, then the given folders (a later one overrides an earlier
    site of the same name)."""
    return [BUILTIN_SITES_DIR, *(Path(p) for p in extra)]


def load_sites(dirs: Iterable[str | Path] | None = None, need: Iterable[str] | None = None,
               problems: list[ConfigError] | None = None) -> dict[str, SiteConfig]:
    """All site configs; a later directory overrides a built-in site of the same name.

    With ``need``, only the files of those sites (``<name>.toml``) must load: another broken
    file is left out and added to ``problems``, so that a bad file dropped into the sites
    folder fails its own site, not the crawls of every other one."""
    needed = None if need is None else set(need)
    sites: dict[str, SiteConfig] = {}
    for d in site_dirs() if dirs is None else [Path(p) for p in dirs]:
        if not d.is_dir():
            raise ConfigError(d, None, "site config directory does not exist")
        for path in sorted(d.glob("*.toml")):
            try:
                site = load_site_file(path)
            except ConfigError as exc:
                if needed is None or path.stem in needed:
                    raise
                if problems is not None:
                    problems.append(exc)
                continue
            sites[site.name] = site
    return sites


BUILTINS_FILE = "builtins.txt"


def active_site_names(sites: dict[str, SiteConfig], dirs: Iterable[str | Path]) -> list[str]:
    """The active set: what ``crawl --all``, ``schedule``, ``status`` and ``sites`` act on
    when no site is named (a named site is always usable).

    Without a user folder of site configs, every built-in site. With one, that folder means
    "these sites": the sites configured in it, plus the built-in ones named in its
    ``builtins.txt`` (one name per line, ``#`` comments, ``*`` for all of them). A user
    folder with neither leaves every built-in site active, as before."""
    builtin = BUILTIN_SITES_DIR.resolve()
    user_dirs = [Path(d).resolve() for d in dirs if Path(d).resolve() != builtin]
    own = [name for name, s in sites.items() if s.path.resolve().parent in user_dirs]
    lists = [d / BUILTINS_FILE for d in user_dirs if (d / BUILTINS_FILE).is_file()]
    if not own and not lists:
        return sorted(sites)
    builtins = sorted(n for n, s in sites.items() if s.path.resolve().parent == builtin)
    chosen = set(own)
    for path in lists:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            name = line.split("#", 1)[0].strip()
            if name == "*":
                chosen.update(builtins)
            elif name and name not in sites:
                raise ConfigError(path, None, f"line {number}: no site named {name!r} "
                                  f"(built-in sites: {', '.join(builtins)})")
            elif name:
                chosen.add(name)
    return sorted(chosen)
