"""JavaScript-built sites rendered in a real Chromium through scrapy-playwright (issue 6).

The end-to-end tests crawl tests.localsite.JsNewsSite — listing and article pages are empty
shells filled by a script from JSON endpoints — through the real `rasd crawl` and a real
Chromium (Debian's `chromium` package in CI; see tests/run.sh). Browser processes are
found by an environment variable each test sets for its `rasd` child: Chromium and the
Playwright driver inherit it, and it is still readable after they are orphaned.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from crawler.config import ConfigError, load_site_file
from crawler.fetch.browser import (
    BROWSER_ARGS,
    BrowserNotFound,
    BrowserSearch,
    find_browser,
    launch_options,
    playwright_selector,
)
from crawler.rasdconfig import resolve_config
from tests.conftest import FAST, ROOT, run_rasd, write_site
from tests.localsite import JsNewsSite, NewsSite, SiteServer
from tests.repeated_crawls import tagged_processes
from tests.test_crawl_e2e import summary_row

WAIT_FOR = {"listing": ".listing .card", "article": ".article-body p"}
NEVER_FETCHED = ("/static/logo.png", "/static/naskh.woff2", "/third-party/tracker.js")


def search() -> BrowserSearch:
    """Where to look for a browser, resolved from this process's environment as `rasd` does."""
    return BrowserSearch.from_config(resolve_config())


@pytest.fixture
def chromium() -> str:
    """The browser the crawler will use; the rendering tests need one and say how to get it."""
    try:
        return find_browser(search()).path
    except BrowserNotFound as exc:
        pytest.fail(f"these tests need Chromium: {exc}")


def process_names(token: str) -> list[str]:
    names = []
    for proc in tagged_processes(token):
        try:
            names.append(proc.name())
        except psutil.Error:  # exited meanwhile
            pass
    return names


@dataclass
class Watch:
    names: set[str] = field(default_factory=set)
    most_drivers: int = 0  # Playwright driver (node) processes alive at the same time


@contextmanager
def process_watch(token: str) -> Iterator[Watch]:
    """Every tagged process seen while the block runs (sampled every 0.2s)."""
    watch = Watch()
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            names = process_names(token)
            watch.names.update(names)
            watch.most_drivers = max(watch.most_drivers, sum(n.startswith("node") for n in names))
            done.wait(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        done.set()
        thread.join()


def is_browser(name: str) -> bool:
    return "chrom" in name or "headless" in name or name.startswith("node")


def export(env: dict[str, str], site: str) -> list[dict]:
    out = run_rasd("export", "--site", site, env=env, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


# --- configuration and browser lookup (no browser needed) -------------------------------

def test_wait_for_and_render_timeout_config(tmp_path: Path) -> None:
    base = 'name = "js"\nstart_urls = ["https://js.example/"]\nrender = true\n'
    path = tmp_path / "js.toml"

    path.write_text(base, encoding="utf-8")
    site = load_site_file(path)
    assert site.render and site.wait_for == {} and site.render_timeout == 30.0
    assert site.renders("listing") and site.renders("article")

    path.write_text(base.replace("render = true", 'render = ["article"]'), encoding="utf-8")
    site = load_site_file(path)
    assert site.render and site.renders("article") and not site.renders("listing")
    path.write_text(base.replace("render = true", "render = false"), encoding="utf-8")
    assert not load_site_file(path).renders("article")

    path.write_text(base + 'wait_for = "article h1"\nrender_timeout = 12.5\n', encoding="utf-8")
    site = load_site_file(path)
    assert site.wait_for == {"listing": "article h1", "article": "article h1"}
    assert site.render_timeout == 12.5

    path.write_text(base + '[wait_for]\narticle = "//div[@id=\'body\']/p"\n', encoding="utf-8")
    site = load_site_file(path)
    assert site.wait_for == {"article": "//div[@id='body']/p"}
    assert playwright_selector(site.wait_for["article"]) == "xpath=//div[@id='body']/p"
    assert playwright_selector(".listing .card") == ".listing .card"

    for extra, key, reason in (
        ('[wait_for]\ncomments = ".c"\n', "wait_for.comments", "unknown page kind"),
        ("wait_for = 3\n", "wait_for", "must be a selector"),
        ('wait_for = "div["\n', "wait_for", "invalid selector"),
        ('[wait_for]\narticle = ""\n', "wait_for.article", "non-empty"),
        ("render_timeout = 0\n", "render_timeout", "greater than zero"),
        ('render_timeout = "30"\n', "render_timeout", "number of seconds"),
        ("render_timeout = true\n", "render_timeout", "number of seconds"),
        ('render = ["comments"]\n', "render", "list of page kinds"),
        ("render = []\n", "render", "list of page kinds"),
    ):
        path.write_text(base.replace("render = true\n", "") + extra, encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            load_site_file(path)
        assert (err.value.key, str(path)) == (key, err.value.path), extra
        assert reason in err.value.reason, extra


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_find_browser_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import playwright

    manifest = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    revision = next(b["revision"] for b in json.loads(manifest.read_text())["browsers"]
                    if b["name"] == "chromium-headless-shell")
    system = _executable(tmp_path / "bin" / "chromium")
    own = _executable(tmp_path / "pw" / f"chromium_headless_shell-{revision}" / "chrome-headless-shell-linux64"
                      / "chrome-headless-shell")
    chosen = _executable(tmp_path / "opt" / "my-chrome")
    monkeypatch.setenv("PATH", str(system.parent))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "pw"))
    monkeypatch.delenv("RASD_CHROMIUM", raising=False)

    assert (find_browser(search()).path, find_browser(search()).origin) == (str(own), "playwright")
    monkeypatch.setenv("RASD_CHROMIUM", str(chosen))
    assert (find_browser(search()).path, find_browser(search()).origin) == (str(chosen), "RASD_CHROMIUM")
    assert find_browser(search(), str(system)).origin == "PLAYWRIGHT_LAUNCH_OPTIONS"

    monkeypatch.setenv("RASD_CHROMIUM", str(tmp_path / "missing"))
    with pytest.raises(BrowserNotFound, match=r"RASD_CHROMIUM names .*missing.* not an executable"):
        find_browser(search())
    monkeypatch.delenv("RASD_CHROMIUM")

    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "empty"))
    assert (find_browser(search()).path, find_browser(search()).origin) == (str(system), "system")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    with pytest.raises(BrowserNotFound, match="apt-get install chromium"):
        find_browser(search())


def test_launch_options_keep_our_flags_and_the_users() -> None:
    from crawler.fetch.browser import Browser

    opts = launch_options(Browser("/usr/bin/chromium", "system"),
                          {"args": ["--lang=ar", "--no-sandbox"], "slow_mo": 5, "executable_path": "/x"})
    assert opts["executable_path"] == "/usr/bin/chromium" and opts["headless"] is True
    assert opts["args"] == [*BROWSER_ARGS, "--lang=ar"] and opts["slow_mo"] == 5


def test_site_without_browser_is_skipped_and_the_crawl_goes_on(tmp_path: Path, rasd_env: dict[str, str]) -> None:
    """No Chromium anywhere: the rendering site is skipped with a clear message and an error
    in its run; the plain site in the same crawl is crawled as usual."""
    js, static = JsNewsSite(n=4, per_page=5), NewsSite(n=4, per_page=5)
    with SiteServer(js) as js_server, SiteServer(static) as static_server:
        sites = Path(rasd_env["RASD_SITES"])
        write_site(sites, "jsnews", js_server.url, render=True, wait_for=WAIT_FOR)
        write_site(sites, "static", static_server.url)
        env = {**rasd_env, "PATH": str(tmp_path / "no-bin"), "RASD_CHROMIUM": "",
               "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "no-browsers")}
        listed = run_rasd("sites", env=env)
        checked = run_rasd("sites", "--check", "jsnews", env=env)
        proc = run_rasd("crawl", "jsnews", "static", *FAST, env=env)

    assert listed.returncode == 0 and "sites with render = true will be skipped" in listed.stderr
    assert checked.returncode == 1 and "no_browser: site jsnews skipped" in checked.stderr
    assert proc.returncode == 0, proc.stderr
    assert summary_row(proc.stdout, "static")["new"] == 4
    assert summary_row(proc.stdout, "jsnews") == {"fetched": 0, "new": 0, "updated": 0, "unchanged": 0,
                                                  "duplicates": 0, "errors": 1}
    assert "no_browser" in proc.stderr and "site jsnews skipped" in proc.stderr
    assert "apt-get install chromium" in proc.stderr and "RASD_CHROMIUM" in proc.stderr
    assert js_server.hits == {}  # skipped before any request, not failed page by page
    [run] = json.loads(run_rasd("runs", "--site", "jsnews", "--format", "json", env=env, check=True).stdout)
    assert (run["status"], run["errors"]) == ("failed", {"no_browser": 1}), run
    assert "apt-get install chromium" in run["error_samples"][0]


# --- real Chromium ----------------------------------------------------------------------

@pytest.mark.slow
def test_js_site_is_crawled_as_well_as_the_static_one(chromium: str, rasd_env: dict[str, str]) -> None:
    """The same stories as a static site and as a JavaScript-built one, discovered through
    listings only (no feed, no sitemap) so the listings must be rendered too."""
    js, static = JsNewsSite(n=8, per_page=4), NewsSite(n=8, per_page=4)
    token = uuid.uuid4().hex
    with SiteServer(js) as js_server, SiteServer(static) as static_server:
        sites = Path(rasd_env["RASD_SITES"])
        write_site(sites, "jsnews", js_server.url, feeds=[], sitemaps=[], render=True, wait_for=WAIT_FOR)
        write_site(sites, "static", static_server.url, feeds=[], sitemaps=[])
        with process_watch(token) as seen:
            proc = run_rasd("crawl", "jsnews", "static", *FAST, env={**rasd_env, "RASD_TEST_RUN": token})
        crawl_hits = dict(js_server.hits)
        checked = run_rasd("sites", "--check", "jsnews", env=rasd_env)

    assert proc.returncode == 0, proc.stderr
    assert f"browser for render = true: {chromium}" in run_rasd("sites", env=rasd_env).stdout
    # `rasd sites --check` renders the listing and the article as the crawl does.
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"title:     {js.ordered()[0].title}" in checked.stdout
    assert any(is_browser(name) for name in seen.names), seen
    assert seen.most_drivers == 1, seen  # one driver serves http and https alike
    for name in ("jsnews", "static"):
        counts = summary_row(proc.stdout, name)
        assert (counts["new"], counts["fetched"], counts["errors"]) == (8, 8, 0), (name, proc.stdout)

    rendered = {a["title"]: a for a in export(rasd_env, "jsnews")}
    plain = {a["title"]: a for a in export(rasd_env, "static")}
    assert set(rendered) == set(plain) == {s.title for s in js.stories.values()}
    for story in js.stories.values():
        art, ref = rendered[story.title], plain[story.title]
        assert art["body"].split("\n\n") == story.paragraphs
        assert art["published"] == ref["published"] == story.published.strftime("%Y-%m-%dT00:00:00Z")
        assert [r["title"] for r in art["read_also"]] == [js.stories[i].title for i in story.related]
        assert [r["url"].removeprefix(js_server.url) for r in art["read_also"]] == \
               [r["url"].removeprefix(static_server.url) for r in ref["read_also"]]
        for key in ("body", "source", "tags"):
            assert art[key] == ref[key], key

    # Each page rendered once; images, fonts and the other host's tracker never requested.
    assert crawl_hits["/api/listing/1.json"] == crawl_hits["/api/listing/2.json"] == 1
    assert all(crawl_hits[f"/api/article/{i}.json"] == 1 for i in js.stories)
    assert not [p for p in NEVER_FETCHED if p in js_server.hits], js_server.hits


@pytest.mark.slow
def test_same_site_without_render_stores_nothing_useful(chromium: str, rasd_env: dict[str, str]) -> None:
    """Without the browser the article URLs are still found (feed, sitemap) but their pages
    are empty shells: proof that the rendered crawl above needs Chromium."""
    js = JsNewsSite(n=6, per_page=5)
    with SiteServer(js) as server:
        write_site(Path(rasd_env["RASD_SITES"]), "jsnews", server.url, render=False, wait_for=WAIT_FOR)
        proc = run_rasd("crawl", "jsnews", *FAST, env=rasd_env)
    assert proc.returncode == 0, proc.stderr
    assert server.article_hits() >= len(js.stories)  # the shells were fetched
    assert not [p for p in server.hits if p.startswith("/api/")]
    stored = export(rasd_env, "jsnews")
    titles = {s.title for s in js.stories.values()}
    paragraphs = [p for s in js.stories.values() for p in s.paragraphs]
    assert not [a for a in stored if a["title"] in titles or any(p in a["body"] for p in paragraphs)]


@pytest.mark.slow
def test_only_articles_rendered_and_a_page_that_never_renders_times_out(
    chromium: str, rasd_env: dict[str, str]
) -> None:
    """render = ["article"]: server-built listings stay plain HTTP; a page whose content never
    arrives costs render_timeout and one error, and the rest of the site is stored."""
    js = JsNewsSite(n=3, per_page=5, js_listings=False)
    js.failing_api.add(1)  # its script fails, so the article body never appears
    with SiteServer(js) as server:
        write_site(Path(rasd_env["RASD_SITES"]), "jsnews", server.url, feeds=[], sitemaps=[],
                   render=["article"], wait_for=WAIT_FOR, render_timeout=3)
        proc = run_rasd("crawl", "jsnews", *FAST, env=rasd_env)
    assert proc.returncode == 0, proc.stderr
    assert server.hits["/"] == 1 and "/static/listing-probe.js" not in server.hits
    assert server.hits["/static/app.js"] == 3
    assert summary_row(proc.stdout, "jsnews")["new"] == 2
    assert summary_row(proc.stdout, "jsnews")["errors"] == 1
    assert "render_timeout" in proc.stderr and f"{server.url}/news/1/" in proc.stderr
    assert {a["title"] for a in export(rasd_env, "jsnews")} == {js.stories[0].title, js.stories[2].title}


@pytest.mark.slow
def test_plain_crawl_starts_no_browser(rasd_env: dict[str, str]) -> None:
    static = NewsSite(n=6, per_page=5)
    token = uuid.uuid4().hex
    with SiteServer(static) as server:
        write_site(Path(rasd_env["RASD_SITES"]), "static", server.url)
        with process_watch(token) as seen:
            proc = run_rasd("crawl", "static", *FAST, env={**rasd_env, "RASD_TEST_RUN": token})
    assert proc.returncode == 0, proc.stderr
    assert summary_row(proc.stdout, "static")["new"] == 6
    assert seen.names and not [name for name in seen.names if is_browser(name)], seen


@pytest.mark.slow
def test_ten_crawls_leave_no_browser_processes(chromium: str, rasd_env: dict[str, str]) -> None:
    js = JsNewsSite(n=3, per_page=5)
    token = uuid.uuid4().hex
    env = {**rasd_env, "RASD_TEST_RUN": token}
    with SiteServer(js) as server:
        write_site(Path(rasd_env["RASD_SITES"]), "jsnews", server.url, feeds=[], sitemaps=[],
                   render=True, wait_for=WAIT_FOR)
        for run in range(10):
            with process_watch(token) as seen:
                # Not incremental: every run renders every article again, since what is
                # tested is the browser processes of real article renders.
                proc = run_rasd("crawl", "jsnews", *FAST, "-s", "RASD_INCREMENTAL=False", env=env)
            assert proc.returncode == 0, proc.stderr
            counts = summary_row(proc.stdout, "jsnews")
            assert counts["fetched"] == 3 and counts["errors"] == 0, (run, proc.stdout)
            assert counts["new" if run == 0 else "unchanged"] == 3, (run, proc.stdout)
            assert any(is_browser(name) for name in seen.names), (run, seen)
            leftovers = tagged_processes(token)
            if leftovers:  # give an orphan a moment to exit before calling it left behind
                time.sleep(2)
                leftovers = tagged_processes(token)
            assert not leftovers, (run, process_names(token))


@pytest.mark.slow
def test_repeated_crawls_in_one_process_close_their_browser(chromium: str, rasd_env: dict[str, str]) -> None:
    """A scheduler runs crawl after crawl in one process: each run must start its own
    browser and close it, with no driver or Chromium outliving the run."""
    js = JsNewsSite(n=3, per_page=5)
    token = uuid.uuid4().hex
    with SiteServer(js) as server:
        write_site(Path(rasd_env["RASD_SITES"]), "jsnews", server.url, feeds=[], sitemaps=[],
                   render=True, wait_for=WAIT_FOR)
        proc = subprocess.run(
            [sys.executable, "-m", "tests.repeated_crawls", "jsnews", "5"], capture_output=True, text=True,
            env={**os.environ, **rasd_env, "RASD_TEST_RUN": token, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
            timeout=900,
        )
    assert proc.returncode == 0, proc.stderr
    runs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(runs) == 5, proc.stderr
    for run in runs:
        assert (run["fetched"], run["errors"], run["browsers"]) == (3, 0, 1), run
        assert run["new" if run["run"] == 0 else "unchanged"] == 3, run
        assert run["left_behind"] == [], run
    assert not tagged_processes(token)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_stopped_crawl_takes_its_browser_with_it(chromium: str, rasd_env: dict[str, str], sig: int) -> None:
    """The scheduler stops an overlong crawl with SIGTERM, then SIGKILL: neither may leave a
    Playwright driver or Chromium running without its crawl."""
    js = JsNewsSite(n=60, per_page=5)
    token = uuid.uuid4().hex
    with SiteServer(js) as server:
        write_site(Path(rasd_env["RASD_SITES"]), "jsnews", server.url, feeds=[], sitemaps=[],
                   render=True, wait_for=WAIT_FOR)
        child = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "crawl", "jsnews", *FAST], cwd=ROOT,
            env={**os.environ, **rasd_env, "RASD_TEST_RUN": token, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(600):  # until the first article pages are being rendered
                if any(n.startswith("/api/article/") for n in list(server.hits)):
                    break
                time.sleep(0.1)
            assert child.poll() is None and any(is_browser(name) for name in process_names(token))
            child.send_signal(sig)
            child.wait(timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
        leftovers = tagged_processes(token)
        for _ in range(100):  # the driver notices its parent is gone and closes Chromium
            if not leftovers:
                break
            time.sleep(0.1)
            leftovers = tagged_processes(token)
    assert not leftovers, process_names(token)


def test_enable_rendering_keeps_user_settings(tmp_path: Path, chromium: str) -> None:
    """What a rendering crawler's settings become; `-s` values (cmdline priority) win."""
    from scrapy.crawler import Crawler

    from crawler.cli.runner import project_settings
    from crawler.fetch.browser import SameSiteResources, enable_rendering, render_slot
    from crawler.spiders.news import NewsSpider

    path = write_site(tmp_path, "jsnews", "https://js.example", render=True, wait_for=WAIT_FOR, render_timeout=7)
    site = load_site_file(path)
    settings = project_settings(resolve_config(), PLAYWRIGHT_LAUNCH_OPTIONS={"args": ["--lang=ar"]},
                                PLAYWRIGHT_MAX_CONTEXTS=2, RASD_RENDER_CONCURRENCY="3")
    crawler = Crawler(NewsSpider, settings)
    assert enable_rendering(crawler, site) is None
    got = crawler.settings
    assert set(got.getdict("DOWNLOAD_HANDLERS").values()) == {"crawler.fetch.browser.SharedPlaywrightHandler"}
    assert got.getdict("PLAYWRIGHT_LAUNCH_OPTIONS") == {
        "headless": True, "executable_path": chromium, "args": [*BROWSER_ARGS, "--lang=ar"]}
    assert got.getint("PLAYWRIGHT_MAX_CONTEXTS") == 2  # the user's
    assert got.getint("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT") == 3
    assert got.getdict("DOWNLOAD_SLOTS") == {render_slot(site): {"concurrency": 3}}
    assert got.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT") == 7000
    assert isinstance(got["PLAYWRIGHT_ABORT_REQUEST"], SameSiteResources)
