"""Saved searches (`rasd watch`): a real crawl stores a new article matching a watch, and the
webhook receives it exactly once — not again after the next crawl, and never the articles
stored before the watch existed. Listed on the dashboard."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

from crawler.config import load_sites, site_dirs
from crawler.serve.app import ServeConfig
from tests.conftest import crawl, run_rasd, write_site
from tests.serve_support import serving


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
