"""`rasd serve` over HTTP, on the real app and a real port: the JSON API, exports, the Atom
feed, /metrics, /healthz, bad input (400, never 500), the store going away (503, then back)
and the security headers. The embedded store always; MongoDB when RASD_TEST_MONGODB_URI is
set (no MongoDB server can be installed on this machine, so that half skips here)."""

from __future__ import annotations

import csv
import io
import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from crawler.config import load_sites, site_dirs
from crawler.serve.app import ServeConfig
from crawler.serve.params import MAX_PAGE_SIZE, MAX_QUERY_CHARS
from crawler.storage.query import ArticleQuery, public
from crawler.storage.spool import Spool, spool_dir
from crawler.storage.store import Store, utcnow
from tests.conftest import run_rasd
from tests.serve_support import NOW, seed_corpus, serving

MONGO_URI = os.environ.get("RASD_TEST_MONGODB_URI")
SITES = [s for s in load_sites(site_dirs([])).values() if s.name in ("aljazeera", "bbcarabic")]


@pytest.fixture(scope="module", params=["embedded", "mongodb"])
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if request.param == "mongodb":
        if not MONGO_URI:
            pytest.skip("RASD_TEST_MONGODB_URI not set: no MongoDB server can run on this machine")
        base, _, _ = MONGO_URI.rpartition("/")
        db = f"{base}/rasd_serve_{uuid.uuid4().hex[:8]}"
    else:
        db = str(tmp_path_factory.mktemp("serve") / "rasd.db")
    ids = seed_corpus(db)
    with serving(ServeConfig(db=db, sites=SITES)) as base_url:
        yield {"base": base_url, "db": db, "ids": ids}
    if request.param == "mongodb":
        with Store(db) as store:
            store.drop()


def get(base: str, path: str, **params: Any) -> tuple[int, Message, bytes]:
    """Status, headers (case-insensitive) and body, whatever the status."""
    url = base + path.lstrip("/") + (f"?{urlencode(params, doseq=True)}" if params else "")
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def api(base: str, path: str, **params: Any) -> Any:
    status, _, body = get(base, path, **params)
    assert status == 200, body[:300]
    return json.loads(body)


def test_articles_search_with_arabic_variants_filters_and_paging(app: dict[str, Any]) -> None:
    base = app["base"]
    everything = api(base, "/api/articles", size=100)
    assert everything["total"] == 33
    assert everything["facets"] == {"watan": 28, "bbcarabic": 5}
    # Newest first when there is no query.
    dates = [a["published"] for a in everything["items"]]
    assert dates == sorted(dates, reverse=True)
    # «الاخبار» without hamza finds titles spelled «الأخبار».
    hits = api(base, "/api/articles", q="الاخبار", size=10)
    assert hits["total"] == 26 and hits["pages"] == 3 and len(hits["items"]) == 10
    page3 = api(base, "/api/articles", q="الاخبار", size=10, page=3)
    assert len(page3["items"]) == 6
    seen = {a["id"] for p in (1, 2, 3) for a in api(base, "/api/articles", q="الاخبار", size=10, page=p)["items"]}
    assert len(seen) == 26
    # Site(s), language, dates and duplicates.
    assert api(base, "/api/articles", site="bbcarabic")["total"] == 5
    assert api(base, "/api/articles", site=["bbcarabic", "watan"])["total"] == 33
    english = api(base, "/api/articles", lang="en")
    assert [a["url"] for a in english["items"]] == ["https://www.bbc.example/english/1"]
    assert api(base, "/api/articles", hide_duplicates=1)["total"] == 32
    days = [(NOW - timedelta(days=d)).date().isoformat() for d in (5, 4, 3)]
    window = api(base, "/api/articles", site="watan", since=days[0], until=days[-1], size=100)
    assert {a["published"][:10] for a in window["items"]} == set(days)
    # Facets count every site even when the search is limited to one.
    assert api(base, "/api/articles", q="الاقتصاد", site="bbcarabic")["facets"]["watan"] > 0


def test_articles_have_the_export_shape(app: dict[str, Any]) -> None:
    items = api(app["base"], "/api/articles", site="watan", size=MAX_PAGE_SIZE)["items"]
    with Store(app["db"]) as store:
        expected = [public(d) for d in store.iter_articles(ArticleQuery(sites=("watan",)))]
    assert sorted(items, key=lambda a: a["id"]) == sorted(expected, key=lambda a: a["id"])
    if not MONGO_URI or "mongodb" not in app["db"]:  # `rasd export` on the same store: identical lines
        exported = [json.loads(line) for line in
                    run_rasd("export", "--db", app["db"], "--site", "watan", check=True).stdout.splitlines()]
        assert sorted(exported, key=lambda a: a["id"]) == sorted(items, key=lambda a: a["id"])


def test_one_article_with_read_also_cluster_and_versions(app: dict[str, Any]) -> None:
    base, ids = app["base"], app["ids"]
    art = api(base, f"/api/articles/{ids['edited']}")
    assert art["version"] == 2 and art["title"] == "وزير يعلن خطة جديدة معدلة"
    assert [(link["url"], link["stored"]) for link in art["read_also"]] == [
        ("https://watan.example/news/3", True), ("https://watan.example/news/999", False)]
    assert art["extraction"]["body"] == "trafilatura"
    by_url = api(base, "/api/article", ref="https://watan.example/news/edited")
    assert by_url["id"] == str(ids["edited"])
    status, _, body = get(base, "/api/articles/0123456789abcdef01234567")
    assert status == 404 and b"no stored article" in body


def test_sites_and_runs(app: dict[str, Any]) -> None:
    sites = api(app["base"], "/api/sites")
    assert {s["name"] for s in sites} == {"aljazeera", "bbcarabic"}
    assert all(s["health"]["state"] in ("healthy", "degraded", "failing") and s["health"]["reason"] for s in sites)
    runs = api(app["base"], "/api/runs")
    assert len(runs) == 3 and {r["status"] for r in runs} == {"ok", "failed"}
    failed = api(app["base"], "/api/runs", site="watan", status="failed")
    assert len(failed) == 1 and failed[0]["errors"] == {"http_503": 2}
    assert failed[0]["error_samples"] == ["HTTP 503 from watan.example"]


@pytest.mark.parametrize("params", [
    {"page": "abc"}, {"page": "0"}, {"page": "100000"}, {"size": "1000"}, {"since": "yesterday"},
    {"until": "2026-13-45"}, {"until": "9999-12-31"}, {"since": "2026-11-20", "until": "2026-11-10"},
    {"lang": "<script>"},
    {"site": "../etc"}, {"hide_duplicates": "maybe"}, {"q": "ا" * (MAX_QUERY_CHARS + 1)}, {"q": "a\x00b"},
])
def test_malformed_input_is_a_400_with_a_message(app: dict[str, Any], params: dict[str, str]) -> None:
    for path in ("/api/articles", "/", "/feed.atom", "/export.jsonl"):
        status, _, body = get(app["base"], path, **params)
        assert status == 400, (path, params, body[:200])
        name = next(iter(params))
        assert name.encode() in body, body[:300]
    status, _, body = get(app["base"], "/api/runs", limit="x")
    assert status == 400 and b"limit" in body
    status, _, body = get(app["base"], "/export.xml")
    assert status == 400


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["q", "site", "since", "until", "lang", "page", "size", "hide_duplicates"]),
                       st.text(max_size=30) | st.sampled_from(["1", "0", "2026-11-01", "ar", "-1", "1e9"]),
                       max_size=5),
       st.sampled_from(["/", "/api/articles", "/feed.atom", "/api/runs"]))
def test_any_parameters_give_an_answer_or_a_400_never_a_500(app: dict[str, Any], params: dict[str, str],
                                                            path: str) -> None:
    status, _, body = get(app["base"], path, **params)
    assert status in (200, 400), (path, params, body[:300])


def test_unclosed_quote_and_regex_characters_are_plain_text(app: dict[str, Any]) -> None:
    for q in ('"الأخبار', "(.*", "[", "\\", "a|b", "-"):
        status, _, body = get(app["base"], "/api/articles", q=q)
        assert status == 200, (q, body[:200])
        status, _, _ = get(app["base"], "/", q=q)
        assert status == 200


def test_exports_stream_the_whole_search(app: dict[str, Any]) -> None:
    status, headers, body = get(app["base"], "/export.jsonl", q="الاخبار")
    assert status == 200 and headers["Content-Type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert len(lines) == 26 and all("الأخبار" in a["title"] for a in lines)
    assert "chunked" in headers.get("Transfer-Encoding", "")  # streamed, not one buffered body
    status, headers, body = get(app["base"], "/export.csv", site="bbcarabic")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert status == 200 and len(rows) == 5 and {r["site"] for r in rows} == {"bbcarabic"}


def test_feed_is_valid_atom(app: dict[str, Any]) -> None:
    status, headers, body = get(app["base"], "/feed.atom", q="الاخبار", site="watan")
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(body)
    assert feed.version == "atom10" and not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "رصد: الاخبار"
    assert len(feed.entries) == 26
    newest = feed.entries[0]
    assert newest.link == "https://watan.example/news/0" and newest.id and newest.updated_parsed
    assert "الأخبار" in newest.title and newest.summary


def test_metrics(app: dict[str, Any]) -> None:
    spool = Spool(spool_dir(app["db"]))
    spool.append({"url": "https://watan.example/news/spooled", "site": "watan"}, utcnow())
    spool.close()
    status, headers, body = get(app["base"], "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for fam in text_string_to_metric_families(body.decode()) for s in fam.samples}
    assert samples[("rasd_store_up", ())] == 1
    assert samples[("rasd_articles", (("site", "watan"),))] == 28
    assert samples[("rasd_articles", (("site", "bbcarabic"),))] == 5
    assert samples[("rasd_runs", (("site", "watan"), ("status", "failed")))] == 1
    assert samples[("rasd_runs", (("site", "watan"), ("status", "ok")))] == 1
    assert samples[("rasd_run_errors_24h", (("kind", "http_503"), ("site", "watan")))] == 2
    assert ("rasd_last_success_timestamp_seconds", (("site", "bbcarabic"),)) in samples
    assert ("rasd_article_last_first_seen_timestamp_seconds", (("site", "watan"),)) in samples
    assert ("rasd_last_run_duration_seconds", (("site", "watan"),)) in samples
    assert samples[("rasd_spool_backlog", (("kind", "article"),))] == 1
    assert samples[("rasd_spool_backlog", (("kind", "run"),))] == 0


def test_security_headers_on_every_response(app: dict[str, Any]) -> None:
    for path in ("/", "/sites", "/runs", f"/article/{app['ids']['edited']}", "/api/articles", "/nowhere",
                 "/static/rasd.css", "/?page=x"):
        _, headers, _ = get(app["base"], path)
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_no_endpoint_writes(app: dict[str, Any]) -> None:
    for path in ("/", "/api/articles", "/api/articles/x", "/metrics"):
        req = urllib.request.Request(app["base"] + path.lstrip("/"), data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 405


def test_store_down_is_a_503_and_the_app_recovers(tmp_path: Path) -> None:
    """The app started before its store is reachable (a disk not mounted yet, the first crawl
    still to come): every page says so with a 503 — it never creates an empty store in its
    place — and the app answers as soon as the store is there, without a restart."""
    db = tmp_path / "disk" / "rasd.db"
    with serving(ServeConfig(db=str(db), sites=SITES)) as base:
        status, _, body = get(base, "/healthz")
        assert status == 503 and json.loads(body)["status"] == "unavailable" and b"no store at" in body
        status, _, body = get(base, "/", q="الاخبار")
        assert status == 503 and "قاعدة البيانات غير متاحة" in body.decode()
        status, _, body = get(base, "/api/articles")
        assert status == 503 and "no store at" in json.loads(body)["error"]
        status, _, body = get(base, "/metrics")
        assert status == 503 and b"rasd_store_up 0.0" in body
        assert get(base, "/export.csv")[0] == 503
        assert not db.exists()
        seed_corpus(str(db))
        assert get(base, "/healthz")[0] == 200
        assert api(base, "/api/articles")["total"] == 33


def test_token_is_required_off_this_machine_and_checked(tmp_path: Path) -> None:
    proc = run_rasd("serve", "--db", str(tmp_path / "rasd.db"), "--host", "0.0.0.0", "--port", "1",
                    env={"RASD_SERVE_TOKEN": ""}, timeout=60)
    assert proc.returncode == 64 and "--token" in proc.stderr and "RASD_SERVE_TOKEN" in proc.stderr
    db = str(tmp_path / "rasd.db")
    seed_corpus(db)
    with serving(ServeConfig(db=db, sites=SITES, token="s3cret-token")) as base:
        status, headers, body = get(base, "/api/articles")
        assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
        assert get(base, "/metrics")[0] == 401 and get(base, "/feed.atom")[0] == 401
        req = urllib.request.Request(base + "api/articles", headers={"Authorization": "Bearer wrong"})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(req, timeout=10)
        req = urllib.request.Request(base + "api/articles", headers={"Authorization": "Bearer s3cret-token"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert json.loads(r.read())["total"] == 33
        # A page without the token goes to the login form (urllib follows the redirect).
        status, _, body = get(base, "/?q=" + quote("الاخبار"))
        assert status == 200 and b'action="/login"' in body
        status, _, body = get(base, "/healthz")  # monitors need no token: it tells nothing else
        assert status == 200 and json.loads(body) == {"status": "ok"}


def test_one_search_gives_agreeing_page_total_and_facets_and_labels_estimates(
        app: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    base = app["base"]
    hits = api(base, "/api/articles", q="الاخبار", size=10)
    assert hits["total_exact"] and hits["facets_exact"] and hits["ranked_among"] is None
    assert hits["total"] == sum(hits["facets"].values()) == 26
    if app["db"].startswith("mongodb"):
        return
    # The embedded store's plan for common words, forced on this small store (the app runs
    # in this process): ranked among the newest 10 of 26 matches, estimates labelled.
    from crawler.storage import sqlite

    monkeypatch.setattr(sqlite, "LARGE_MATCHES", 5)
    monkeypatch.setattr(sqlite, "RANKED_NEWEST", 10)
    large = api(base, "/api/articles", q="الاخبار", size=5)
    assert large["ranked_among"] == 10 and large["total"] == 26 and large["total_exact"]
    assert not large["facets_exact"] and len(large["items"]) == 5
    narrowed = api(base, "/api/articles", q="الاخبار", site="watan", size=5)
    assert not narrowed["total_exact"]
    _, _, html = get(base, "/", q="الاخبار", site="watan", size=5)
    text = html.decode()
    assert 'class="about"' in text and "رُتّبت بالصلة أحدث 10 مطابقة" in text and "~" in text
