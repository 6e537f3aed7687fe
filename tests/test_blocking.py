"""Blocked is not broken (issue 15): a site that refuses us — a 401/403/429, a bot challenge,
a feed emptied for non-browser clients — is reported as *blocked*, with the evidence and
what to try, and a site that is gone as *failing*; by real crawls and checks of local sites
(tests.blockedsite) through the real CLI."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crawler.config import parse_site
from crawler.fetch.blocking import ADVICE, blocked_by
from crawler.ops.alerts import record_health
from crawler.ops.health import BLOCKED, DEGRADED, FAILING, HEALTHY, assess
from crawler.storage.store import Store, utcnow
from tests.blockedsite import CHALLENGE_HEADERS, CHALLENGE_PAGE, BotFilteredFeedSite, ChallengeSite
from tests.conftest import FAST, run_rasd, write_site
from tests.localsite import NewsSite, SiteServer

ARTICLE = NewsSite(n=1)


def test_refusals_are_told_from_content_and_from_other_errors() -> None:
    page = CHALLENGE_PAGE.encode()
    headers = {k.lower(): v for k, v in CHALLENGE_HEADERS.items()}
    assert blocked_by(403, headers, page) == ("challenge", "HTTP 403 with Cloudflare's bot challenge page")
    # Served with 200 and no telling header, the page itself still gives it away.
    assert blocked_by(200, {}, page)[0] == "challenge"
    assert blocked_by(403, {}, b"<html>Access Denied. Reference #18.5f3e. errors.edgesuite.net</html>")[1] == \
        "HTTP 403 with Akamai's bot challenge page"
    assert blocked_by(403, {"x-datadome": "protected"}, b"<html></html>")[1] == \
        "HTTP 403 with DataDome's bot challenge page"
    assert blocked_by(429, {}, b"slow down") == ("http_429", "HTTP 429")
    assert blocked_by(401, {}, b"") == ("http_401", "HTTP 401")
    # An ordinary article with a comment form's captcha, and a missing page, are no refusal.
    article = ARTICLE.article_html(ARTICLE.stories[0]).replace("</main>", '<div class="g-recaptcha"></div></main>')
    assert blocked_by(200, {"x-datadome": "protected"}, article.encode()) is None
    assert blocked_by(404, {}, b"<h1>not found</h1>") is None
    assert blocked_by(503, {}, b"<h1>maintenance</h1>") is None
    assert set(ADVICE) >= {"http_403", "http_429", "challenge", "bot_filtered_feed"}


SITE = parse_site(Path("demo.toml"), {"name": "demo", "feeds": ["https://example.com/rss"], "schedule": "15m"})
REFUSED = ["http_403: https://example.com/rss: HTTP 403"]


def run(status: str, minutes_ago: float, new: int = 0, blocked: list[str] | None = None) -> dict[str, Any]:
    return {"site": "demo", "status": status, "started": utcnow() - timedelta(minutes=minutes_ago),
            "fetched": new, "articles": {"new": new}, "blocked": blocked or [],
            "blocked_advice": ADVICE["http_403"] if blocked else None,
            "errors": {"http_403": 1} if blocked else {"http_404": 1}}


def test_health_tells_blocked_from_failing() -> None:
    fresh = utcnow() - timedelta(minutes=5)
    health = assess(SITE, [run("blocked", 1, blocked=REFUSED), run("ok", 20, new=3)], 3, newest_article=fresh)
    assert health.state == BLOCKED and health.blocked == REFUSED and health.advice == ADVICE["http_403"]
    assert health.reason == f"last 1 run refused by the site ({REFUSED[0]}); {ADVICE['http_403']}"
    # Refused three times is still blocked, not failing: the cure is not a config fix.
    runs = [run("blocked", m, blocked=REFUSED) for m in (1, 16, 31)]
    assert assess(SITE, runs, 0, newest_article=fresh).reason.startswith("last 3 runs refused by the site")
    assert assess(SITE, [run("failed", m) for m in (1, 16, 31)], 0, newest_article=fresh).state == FAILING
    # Some pages refused in a run that read articles: degraded, with the evidence.
    health = assess(SITE, [run("ok", 1, new=3, blocked=REFUSED)], 3, newest_article=fresh)
    assert health.state == DEGRADED and health.reason.startswith(f"some requests refused ({REFUSED[0]})")


def test_alerts_say_blocked_or_failing_and_recovered(tmp_path: Path, receiver: Any) -> None:
    url, bodies = receiver
    with Store(str(tmp_path / "rasd.db")) as store:
        store.save_article({"url": "https://example.com/news/1", "site": "demo", "fingerprint": "f"})
        store.insert_run(run("ok", 60, new=3))
        assert record_health(store, SITE, url).state == HEALTHY
        store.insert_run(run("blocked", 45, blocked=REFUSED))
        assert record_health(store, SITE, url).state == BLOCKED
        record_health(store, SITE, url)  # still blocked: no second alert
        for minutes in (30, 15, 1):
            store.insert_run(run("failed", minutes))
        assert record_health(store, SITE, url).state == FAILING
        store.insert_run(run("ok", 0, new=2))
        record_health(store, SITE, url)
    assert [b["event"] for b in bodies] == ["blocked", "failing", "recovered"]
    assert bodies[0]["advice"] == ADVICE["http_403"] and bodies[0]["health"]["blocked"] == REFUSED


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    bodies: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}/hook", bodies
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def servers() -> Iterator[dict[str, SiteServer]]:
    """A site behind a challenge, one whose feed is filled only for browsers, and a plain one."""
    with (SiteServer(ChallengeSite(n=4)) as challenge, SiteServer(BotFilteredFeedSite(n=4)) as botfeed,
          SiteServer(NewsSite(n=4)) as plain):
        yield {"challenge": challenge, "botfeed": botfeed, "plain": plain}


def write_sites(folder: Path, servers: dict[str, SiteServer]) -> None:
    challenge, botfeed, plain = servers["challenge"].url, servers["botfeed"].url, servers["plain"].url
    write_site(folder, "challenged", challenge)
    write_site(folder, "botfeed", botfeed, sitemaps=[], start_urls=[])
    # The first entry point is dead, the second works.
    write_site(folder, "deadfirst", plain, feeds=[f"{plain}/gone.xml", f"{plain}/rss.xml"], sitemaps=[],
               start_urls=[])
    write_site(folder, "gone", plain, feeds=[f"{plain}/old-rss.xml"], sitemaps=[f"{plain}/old-sitemap.xml"],
               start_urls=[f"{plain}/old-home/"])


@pytest.mark.slow
def test_crawls_record_blocked_runs_with_evidence_and_alert_which(
        servers: dict[str, SiteServer], rasd_env: dict[str, str], receiver: Any) -> None:
    hook, alerts = receiver
    write_sites(Path(rasd_env["RASD_SITES"]), servers)
    env = {**rasd_env, "RASD_ALERT_WEBHOOK": hook}
    run_rasd("crawl", "challenged", "botfeed", "gone", *FAST, env=env, check=True)

    runs = {r["site"]: r for r in json.loads(run_rasd("runs", "--format", "json", env=env, check=True).stdout)}
    assert runs["challenged"]["status"] == "blocked"
    assert runs["challenged"]["errors"].get("challenge", 0) >= 3  # feed, sitemap, listing
    assert "HTTP 403 with Cloudflare's bot challenge page" in runs["challenged"]["blocked"][0]
    assert runs["challenged"]["blocked_advice"].startswith(ADVICE["challenge"])
    assert runs["botfeed"]["status"] == "blocked"
    assert runs["botfeed"]["errors"] == {"bot_filtered_feed": 1}
    assert "empty for Rasd's user agent but has 4 entries for a browser's" in runs["botfeed"]["blocked"][0]
    assert servers["botfeed"].article_hits() == 0  # what the browser probe saw is never crawled
    assert runs["gone"]["status"] == "failed" and not runs["gone"]["blocked"]

    proc = run_rasd("status", "--format", "json", env=env)
    assert proc.returncode == 1
    health = {h["site"]: h for h in json.loads(proc.stdout)}
    assert health["challenged"]["state"] == "blocked"
    assert "refused by the site (challenge: " in health["challenged"]["reason"]
    assert "; " + ADVICE["challenge"] in health["challenged"]["reason"]
    assert health["challenged"]["advice"] == ADVICE["challenge"]
    assert health["botfeed"]["state"] == "blocked" and health["botfeed"]["advice"] == ADVICE["bot_filtered_feed"]
    assert health["gone"]["state"] == "degraded" and "http_404" in health["gone"]["reason"]
    table = run_rasd("status", env=env).stdout
    assert "challenged" in table and "blocked" in table

    # One alert per refused site, saying blocked; none for the site that failed once.
    events = {a["site"]: a for a in alerts}
    assert set(events) == {"challenged", "botfeed"}
    assert events["challenged"]["event"] == "blocked" and events["challenged"]["advice"] == ADVICE["challenge"]


@pytest.mark.slow
def test_check_gives_each_site_its_verdict_in_one_table(
        servers: dict[str, SiteServer], rasd_env: dict[str, str]) -> None:
    write_sites(Path(rasd_env["RASD_SITES"]), servers)
    proc = run_rasd("sites", "--check", "challenged", "botfeed", "deadfirst", "gone", "--budget", "20", *FAST,
                    env=rasd_env)
    assert proc.returncode == 1, proc.stderr  # two sites cannot be read here
    rows = {line.split()[0]: line for line in proc.stdout.splitlines()[2:6]}
    plain, challenge, botfeed = servers["plain"].url, servers["challenge"].url, servers["botfeed"].url
    plain_site = servers["plain"].site
    assert rows["challenged"].endswith(f"  blocked  {challenge}/rss.xml: HTTP 403 with Cloudflare's bot challenge page")
    assert f"  blocked  feed {botfeed}/rss.xml is empty for Rasd's user agent but has 4" in rows["botfeed"]
    newest = plain_site.ordered()[0].title
    assert rows["deadfirst"].startswith(f"deadfirst   feed {plain}/rss.xml  {newest[:40]}")
    assert rows["deadfirst"].endswith("  authors         ok")  # the local site names no author
    assert f"challenged: {ADVICE['challenge']}" in proc.stdout
    assert f"botfeed: {ADVICE['bot_filtered_feed']}" in proc.stdout
    assert rows["gone"].endswith("  failing  every entry point answered HTTP 404: moved or gone?")
    assert proc.stdout.rstrip().endswith(
        "4 sites checked: 1 ok, 2 blocked, 1 failing (blocked is not broken: the same site may answer "
        "from another network)")
    assert not Path(rasd_env["RASD_DB"]).exists()  # a check stores nothing

    out = run_rasd("sites", "--check", "botfeed", *FAST, env=rasd_env).stdout
    assert f"blocked: {ADVICE['bot_filtered_feed']}" in out and "check feeds/sitemaps" not in out
    data = json.loads(run_rasd("sites", "--check", "challenged", "--format", "json", *FAST, env=rasd_env).stdout)
    assert data["verdict"] == "blocked" and data["advice"] == ADVICE["challenge"]
    assert data["blocked"][0].endswith("HTTP 403 with Cloudflare's bot challenge page")
