"""Saved searches (`rasd watch`): a real crawl stores a new article matching a watch, and the
webhook receives it exactly once — not again after the next crawl, and never the articles
stored before the watch existed. Listed on the dashboard."""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from crawler.config import load_sites, site_dirs
from crawler.ops.watches import notify_watches
from crawler.serve.app import ServeConfig
from crawler.storage.store import Store
from crawler.storage.watches import add_watch, list_watches
from tests.conftest import crawl, run_rasd, write_site
from tests.serve_support import NOW, article, body, seed, serving


def test_new_match_after_a_crawl_goes_to_the_webhook_once(news_site: Any, rasd_env: dict[str, str],
                                                        receiver: Any) -> None:
    site, server = news_site
    hook, bodies, auth = receiver
    write_site(Path(rasd_env["RASD_SITES"]), "watan", server.url)
    crawl(rasd_env, "watan")  # the 12 stories already published
    # «الشماليه» (teh marbuta written as heh) matches «الشمالية» in titles and tags.
    added = run_rasd("watch", "add", "korea", "كوريا الشماليه", "--webhook", hook, env=rasd_env, check=True)
    assert "rasd:pw" not in added.stdout  # the webhook's credentials are never printed
    assert bodies == []
    korea, russia = site.publish(2)  # story 12 is about North Korea, 13 about Russia
    assert "كوريا الشمالية" in korea.title and "كوريا" not in russia.title
    crawl(rasd_env, "watan")
    assert len(bodies) == 1, bodies
    sent = bodies[0]
    assert sent["event"] == "watch" and sent["watch"] == "korea"
    assert [a["title"] for a in sent["articles"]] == [korea.title]  # only what is new since the watch
    assert auth[0] and auth[0].startswith("Basic ")
    crawl(rasd_env, "watan")  # nothing new: nothing sent again
    assert len(bodies) == 1

    listed = run_rasd("watch", "list", env=rasd_env, check=True).stdout
    assert "korea" in listed and "rasd:pw" not in listed
    sites = list(load_sites(site_dirs([rasd_env["RASD_SITES"]])).values())
    with serving(ServeConfig(db=rasd_env["RASD_DB"], sites=sites)) as base:
        page = urllib.request.urlopen(base + "sites", timeout=30).read().decode()
    assert 'data-watch="korea"' in page and "كوريا الشماليه" in page


def test_an_undelivered_match_is_sent_after_the_next_crawl_and_only_then(tmp_path: Path) -> None:
    """The webhook fails once (HTTP 500): the watch keeps its mark, the next check sends the
    same article, and a third check sends nothing."""
    answers = [500, 200, 200]
    bodies: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(answers[len(bodies) - 1])
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    db = str(tmp_path / "rasd.db")
    seed(db, [article("https://watan.example/news/old", "غزة: خبر قديم", body(1), published=NOW)])
    try:
        with Store(db) as store:
            add_watch(store, "gaza", "غزه", f"http://127.0.0.1:{httpd.server_port}/hook?token=s3cret")
        seed(db, [article("https://watan.example/news/new", "غزة: خبر جديد", body(2), published=NOW),
                  article("https://watan.example/news/other", "السودان: خبر آخر", body(3), published=NOW)])
        with Store(db) as store:
            assert notify_watches(store) == {}  # 500: not delivered
            assert "s3cret" not in (list_watches(store)[0]["last_error"] or "")
            assert notify_watches(store) == {"gaza": 1}
            assert notify_watches(store) == {}
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert [[a["title"] for a in b["articles"]] for b in bodies] == [["غزة: خبر جديد"], ["غزة: خبر جديد"]]
