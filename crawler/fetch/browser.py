"""Rendering pages in a real Chromium (scrapy-playwright), only for sites that need it.

A browser is the most expensive and most fragile part of a crawl, so it is opt-in per site
(``render = true``): a crawler whose site does not render never loads scrapy-playwright's
download handler, so neither the Playwright driver nor a browser is started. A rendering
crawler gets the handler for its own crawl only; the browser is closed when that crawl ends,
which is what keeps scheduled runs from piling up browser processes.

``playwright install`` cannot always download browsers (offline or locked-down machines),
so besides Playwright's own Chromium a system Chromium is accepted. When none is found
the site is skipped with a clear message instead of every page failing one by one.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES, Settings
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawler.config import SiteConfig, is_xpath

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig

logger = logging.getLogger(__name__)

HANDLER = "crawler.fetch.browser.SharedPlaywrightHandler"
# Without a sandbox-capable kernel setup (containers, CI) Chromium refuses to start unless
# --no-sandbox; the rest stop it phoning home, updating itself or showing first-run UI.
BROWSER_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# Resource types a news page's text never depends on.
BLOCKED_RESOURCE_TYPES = frozenset({"image", "imageset", "font", "media"})
SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
CONTEXT_NAME = "rasd"
SETUP_HINT = (
    "install Chromium (Debian/Ubuntu: `apt-get install chromium`; elsewhere: "
    "`playwright install chromium`) or point RASD_CHROMIUM at a Chromium/Chrome executable"
)


class BrowserNotFound(RuntimeError):
    """No usable Chromium; the message says what was tried and how to install one."""


@dataclass(frozen=True)
class BrowserSearch:
    """Where to look for a browser, as the entry point resolved it (crawler.rasdconfig)."""

    chromium: str | None       # RASD_CHROMIUM: an explicit executable
    playwright_browsers: Path  # where `playwright install` puts its browsers

    @classmethod
    def from_config(cls, config: RasdConfig) -> BrowserSearch:
        return cls(config.chromium, config.playwright_browsers)

    @classmethod
    def from_settings(cls, settings: Settings) -> BrowserSearch:
        return cls(settings.get("RASD_CHROMIUM") or None, Path(settings["RASD_PLAYWRIGHT_BROWSERS"]))


@dataclass(frozen=True)
class Browser:
    path: str
    origin: str  # where it came from, for the log line a user reads when rendering starts


def _executable(path: str | os.PathLike[str]) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def playwright_chromium(root: Path) -> str | None:
    """The Chromium build this Playwright version installs, if ``playwright install`` ran
    (into ``root``, crawler.rasdconfig resolves where that is).

    Read from the browser folder rather than by starting Playwright, because this runs in
    ``from_crawler``, possibly inside the scheduler's running event loop.
    """
    import playwright

    manifest = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    try:
        browsers = {b["name"]: b["revision"] for b in json.loads(manifest.read_text())["browsers"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # The headless shell is what Playwright itself launches for headless Chromium.
    for name, folder, patterns in (
        ("chromium-headless-shell", "chromium_headless_shell", ("chrome-headless-shell", "chrome-headless-shell.exe")),
        ("chromium", "chromium", ("chrome", "chrome.exe", "Chromium.app/Contents/MacOS/Chromium")),
    ):
        if name not in browsers:
            continue
        base = root / f"{folder}-{browsers[name]}"
        for pattern in patterns:
            for candidate in sorted(base.glob(f"*/{pattern}")):
                if _executable(candidate):
                    return str(candidate)
    return None


def find_browser(search: BrowserSearch, configured: str | None = None) -> Browser:
    """The Chromium to launch: an explicit choice (PLAYWRIGHT_LAUNCH_OPTIONS executable_path,
    then RASD_CHROMIUM) must exist; otherwise Playwright's own build, then the system's."""
    for origin, path in (("PLAYWRIGHT_LAUNCH_OPTIONS", configured), ("RASD_CHROMIUM", search.chromium)):
        if path:
            if not _executable(path):
                raise BrowserNotFound(f"{origin} names {path!r}, which is not an executable file")
            return Browser(str(path), origin)
    own = playwright_chromium(search.playwright_browsers)
    if own:
        return Browser(own, "playwright")
    for name in SYSTEM_BROWSERS:
        found = shutil.which(name)
        if found:
            return Browser(found, "system")
    raise BrowserNotFound(
        f"no Chromium found (tried Playwright's browsers in {search.playwright_browsers} and "
        f"{', '.join(SYSTEM_BROWSERS)} on PATH); {SETUP_HINT}"
    )


def launch_options(browser: Browser, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """PLAYWRIGHT_LAUNCH_OPTIONS: headless with our flags, plus the user's own options."""
    extra = dict(extra or {})
    args = list(BROWSER_ARGS) + [a for a in extra.pop("args", []) if a not in BROWSER_ARGS]
    return {"headless": True, **extra, "executable_path": browser.path, "args": args}


class SharedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, one instance for both http and https in a crawl.

    Scrapy builds a handler per scheme, and each scrapy-playwright handler starts its own
    Playwright driver and, on its first page, its own Chromium. Sharing one keeps a crawl
    to one driver and one browser; closing is guarded because Scrapy closes it per scheme.
    """

    _closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPlaywrightHandler:
        handler = getattr(crawler, "_rasd_playwright_handler", None)
        if handler is None:
            handler = cls(crawler)
            crawler._rasd_playwright_handler = handler  # type: ignore[attr-defined]
        return handler

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await super().close()


class SameSiteResources:
    """PLAYWRIGHT_ABORT_REQUEST for one site: abort images, fonts, media and any request to
    another host (ads, trackers, analytics, CDN widgets), which cost time and memory and
    never carry the article's text. Scripts and data from the site's own hosts pass."""

    def __init__(self, site: SiteConfig) -> None:
        self.site = site

    def __call__(self, request: Any) -> bool:
        if request.resource_type in BLOCKED_RESOURCE_TYPES:
            return True
        if urlsplit(request.url).scheme not in ("http", "https"):
            return False  # data:, blob: — already in the page
        return not self.site.owns(request.url)


def render_slot(site: SiteConfig) -> str:
    """The downloader slot for rendered pages, so their concurrency is set apart from the
    site's plain requests (robots.txt, feeds, sitemaps)."""
    return f"render:{site.name}"


def _merge(settings: Settings, name: str, ours: Mapping[str, Any], user_wins: bool = True) -> None:
    """Add our entries to a dict setting without dropping what the user set in it."""
    current = settings.getdict(name)
    merged = {**ours, **current} if user_wins else {**current, **ours}
    priority = max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["spider"])
    settings.set(name, merged, priority=priority)


def enable_rendering(crawler: Crawler, site: SiteConfig) -> str | None:
    """Install scrapy-playwright in this (not yet started) crawler's settings.

    Returns why the site cannot be rendered when no browser is found, else None. Settings
    are set at spider priority, so `-s NAME=VALUE` on the command line still wins.
    """
    settings = crawler.settings
    user_launch = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    try:
        browser = find_browser(BrowserSearch.from_settings(settings), user_launch.get("executable_path"))
    except BrowserNotFound as exc:
        return str(exc)
    concurrency = max(1, settings.getint("RASD_RENDER_CONCURRENCY"))
    _merge(settings, "DOWNLOAD_HANDLERS", {"http": HANDLER, "https": HANDLER}, user_wins=False)
    _merge(settings, "DOWNLOAD_SLOTS", {render_slot(site): {"concurrency": concurrency}})
    _merge(settings, "PLAYWRIGHT_LAUNCH_OPTIONS", launch_options(browser, user_launch), user_wins=False)
    for name, value in (
        ("PLAYWRIGHT_BROWSER_TYPE", "chromium"),
        ("PLAYWRIGHT_MAX_CONTEXTS", 1),
        ("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", concurrency),
        ("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", site.render_timeout * 1000),
        ("PLAYWRIGHT_ABORT_REQUEST", SameSiteResources(site)),
    ):
        settings.set(name, value, priority="spider")
    logger.info("%s: rendering pages with %s (%s)", site.name, browser.path, browser.origin)
    return None


def playwright_selector(selector: str) -> str:
    """Site configs use our selector convention (XPath when it starts with '/', './' or
    '('); Playwright wants XPath spelled out."""
    return f"xpath={selector}" if is_xpath(selector) else selector


def render_meta(site: SiteConfig, kind: str) -> dict[str, Any]:
    """Request meta that sends one listing or article page through the browser.

    With a ``wait_for`` selector the HTML is taken as soon as that element exists; without
    one, once the network has been idle — slower, but scripts that fetch content are done.
    The page is closed by scrapy-playwright after the response is built
    (``playwright_include_page`` stays false), and every wait is bounded by render_timeout.
    """
    timeout_ms = site.render_timeout * 1000
    selector = site.wait_for.get(kind)
    meta: dict[str, Any] = {
        "playwright": True,
        "playwright_context": CONTEXT_NAME,
        "playwright_include_page": False,
        "download_slot": render_slot(site),
        "playwright_page_goto_kwargs": {
            "wait_until": "domcontentloaded" if selector else "networkidle",
            "timeout": timeout_ms,
        },
    }
    if selector:
        meta["playwright_page_methods"] = [
            PageMethod("wait_for_selector", playwright_selector(selector), state="attached", timeout=timeout_ms)
        ]
    return meta


def render_error_kind(failure: Failure) -> str | None:
    """'render_timeout' / 'render_error' for browser failures, so a run's errors say the
    page did not render rather than naming a Playwright exception class."""
    from playwright.async_api import Error, TimeoutError

    if failure.check(TimeoutError):
        return "render_timeout"
    if failure.check(Error):
        return "render_error"
    return None
