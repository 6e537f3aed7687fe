"""Secrets stay secret, robots.txt is obeyed unless a site opts out explicitly, and a crawl
stays on the configured sites."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.logmask import SecretsFilter
from crawler.storage.store import mask_secrets
from tests.conftest import FAST, ROOT, run_rasd, write_site
from tests.faults import free_port, stored_docs
from tests.localsite import NewsSite, SiteServer

PASSWORD = "Pw7fK3q9zXsecret"
HOSTILE = "Pw'7\"<in>q9"  # quotes and angle brackets: pymongo takes them as they are


@pytest.mark.parametrize(("text", "secret"), [
    (f"mongodb://rasd:{PASSWORD}@db1:27017,db2/rasd?authSource=admin", PASSWORD),
    (f"mongodb+srv://rasd:{PASSWORD}@cluster0.example.net/", PASSWORD),
    (f"mongodb://rasd:p@ss/{PASSWORD}@db/rasd", PASSWORD),  # unescaped @ and / in a password
    (f"error: cannot reach mongodb://u:{PASSWORD}@h:1 (timeout)", PASSWORD),
    (f"https://hooks.slack.com/services/T000/B000/{PASSWORD}", PASSWORD),
    (f"https://discord.com/api/webhooks/1234/{PASSWORD}", PASSWORD),
    (f"https://outlook.webhook.office.com/webhookb2/{PASSWORD}@x/IncomingWebhook/abc/def", PASSWORD),
    (f"https://api.telegram.org/bot123:{PASSWORD}/sendMessage", PASSWORD),
    (f"https://alerts.example.com/notify?channel=news&token={PASSWORD}", PASSWORD),
    (f"https://user:{PASSWORD}@alerts.example.com/hook", PASSWORD),
    # pymongo accepts these characters unescaped in a password (issue 14)
    (f"mongodb://rasd:{HOSTILE}@db/rasd", HOSTILE),
    (f"cannot open database 'mongodb://rasd:{HOSTILE}@db/rasd': refused", "<in>"),
    (json.dumps({"uri": f"mongodb://rasd:{HOSTILE}@db/rasd"}), "<in>"),
    (f"mongodb://h/?tls=true&tlsCertificateKeyFilePassword={PASSWORD}", PASSWORD),
    (f"mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:{PASSWORD}", PASSWORD),
    (f"MongoClient(host=['h:27017'], tlscertificatekeyfilepassword='{PASSWORD}', "
     f"authmechanismproperties={{'AWS_SESSION_TOKEN': '{PASSWORD}'}})", PASSWORD),
])
def test_mask_secrets(text: str, secret: str) -> None:
    masked = mask_secrets(text)
    assert secret not in masked and "***" in masked


def test_mask_secrets_leaves_article_urls_alone() -> None:
    url = "https://www.youm7.com/story/2023/9/12/كوريا-الشمالية/6303411?utm=x"
    assert mask_secrets(f"fetched {url}") == f"fetched {url}"


def test_log_filter_masks_message_arguments_and_tracebacks() -> None:
    uri = f"mongodb://rasd:{PASSWORD}@h/rasd"
    try:
        raise ConnectionError(f"cannot reach {uri}")
    except ConnectionError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "opening %s", (uri,), sys.exc_info())
    SecretsFilter().filter(record)
    text = logging.Formatter().format(record)
    assert PASSWORD not in text and "rasd:***@h" in text and "ConnectionError" in text


@pytest.mark.parametrize("password", [PASSWORD, HOSTILE], ids=["plain", "quotes-and-brackets"])
def test_password_never_appears_in_any_output(tmp_path: Path, password: str) -> None:
    """A crawl (DEBUG log to a file, stats file), `rasd spool`, a failing replay and a failing
    query, all with a password in the MongoDB URI (a closed port: no MongoDB server can run
    here). stdout, stderr, the log file, the stats and every file written — the spooled run
    record too — are searched."""
    site = NewsSite(n=3)
    uri = f"mongodb://rasd:{password}@127.0.0.1:{free_port()}/rasd"
    out = tmp_path / "out"
    out.mkdir()
    with SiteServer(site) as server:
        write_site(tmp_path / "sites", "local", server.url)
        env = {"RASD_SITES": str(tmp_path / "sites"), "RASD_SPOOL": str(out / "spool"), "RASD_DB": uri}
        runs = [
            run_rasd("crawl", "local", *FAST, "-v", "-s", "LOG_LEVEL=DEBUG", "-s",
                     f"LOG_FILE={out / 'rasd.log'}", "-s", "RASD_STORE_RETRY_INTERVAL=60",
                     "--stats-file", str(out / "stats.jsonl"), env=env),
            run_rasd("spool", env=env),
            run_rasd("spool", "--replay", env=env),
            run_rasd("articles", env=env),
        ]
    assert [r.returncode for r in runs] == [75, 0, 3, 3]
    texts = [r.stdout + r.stderr for r in runs]
    texts += [p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()]
    everything = "\n".join(texts)
    assert password not in everything and "<in>" not in everything
    assert "rasd:***@127.0.0.1" in everything  # the URI was shown, masked
    assert (out / "rasd.log").stat().st_size > 10_000  # a real DEBUG log was searched
    stats = json.loads((out / "stats.jsonl").read_text())["stats"]
    assert any("rasd:***@" in s for s in stats["rasd/error_samples"])


def test_robots_obeyed_unless_site_opts_out(tmp_path: Path) -> None:
    class Disallowing(NewsSite):
        def render(self, path: str) -> tuple[int, str, str]:
            if path == "/robots.txt":
                return 200, "text/plain", "User-agent: *\nDisallow: /news/\n"
            return super().render(path)

    site = Disallowing(n=4, per_page=4)
    with SiteServer(site) as server:
        env = {"RASD_DB": str(tmp_path / "db"), "RASD_SITES": str(tmp_path / "sites")}
        write_site(tmp_path / "sites", "local", server.url)
        obeyed = run_rasd("crawl", "local", *FAST, "--stats-file", str(tmp_path / "a.jsonl"), env=env)
        assert obeyed.returncode == 0, obeyed.stderr
        assert server.article_hits() == 0
        stats = json.loads((tmp_path / "a.jsonl").read_text())["stats"]
        assert stats["rasd/errors/robots_disallowed"] >= 4

        write_site(tmp_path / "sites", "local", server.url, obey_robots=False)
        opted_out = run_rasd("crawl", "local", *FAST, env=env)
    assert opted_out.returncode == 0, opted_out.stderr
    assert "robots.txt is NOT obeyed for site local: obey_robots = false in" in opted_out.stderr
    assert server.article_hits() == 4


def test_links_to_other_domains_are_not_fetched(tmp_path: Path) -> None:
    """The same server is reachable as 127.0.0.1 and as localhost, two different hosts.
    Read-also links on the 127.0.0.1 site point to localhost: none is fetched."""

    class CrossLinking(NewsSite):
        other = ""

        def article_html(self, s):  # type: ignore[no-untyped-def]
            page = super().article_html(s)
            related = page[page.index('class="read-also"'):]
            return page.replace(related, related.replace('href="/news/', f'href="{self.other}/news/'))

    site = CrossLinking(n=3, per_page=3)
    with SiteServer(site) as server:
        site.other = server.url.replace("127.0.0.1", "localhost")
        env = {"RASD_DB": str(tmp_path / "db"), "RASD_SITES": str(tmp_path / "sites")}
        write_site(tmp_path / "sites", "local", server.url, feeds=[], sitemaps=[])
        proc = run_rasd("crawl", "local", *FAST, env=env)
    assert proc.returncode == 0, proc.stderr
    docs = stored_docs(tmp_path / "db")
    assert {d["site"] for d in docs} == {"local"} and len(docs) == 3
    assert server.article_hits() == 3  # each article once, over 127.0.0.1 only


FOLLOW_CHECK = """
import json, sys
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from scrapy.utils.test import get_crawler
from crawler.cli.runner import project_settings
from crawler.rasdconfig import resolve_config
from crawler.spiders.news import NewsSpider

settings = project_settings(resolve_config(), RASD_SITE_DIRS=[sys.argv[1]]).copy_to_dict()
spider = NewsSpider.from_crawler(get_crawler(NewsSpider, settings), site="local")
referer = "https://news.example.com/news/1/x"
out = {}
for name, url, depth in [("other", "https://other.example.org/news/7/y", 1),
                         ("unknown", "https://elsewhere.example.net/news/8/z", 1),
                         ("listing", "https://other.example.org/news/9/w", 0),
                         ("own", "https://news.example.com/news/2/v", 1)]:
    out[name] = [{k: r.meta.get(k) for k in ("rasd_site", "allow_offsite")}
                 for r in spider.article_request(url, referer, depth=depth)]
print(json.dumps(out))
"""


def test_read_also_into_another_configured_site_is_followed_with_its_config(tmp_path: Path) -> None:
    """The spider's rule, on real site configs and a real crawler (in a child process, which
    installs Scrapy's reactor): a read-also link (depth >= 1) into another configured site is
    requested and parsed with that site's config; one into an unknown domain, or a listing
    link (depth 0) into another site, is not."""
    write_site(tmp_path, "local", "https://news.example.com")
    write_site(tmp_path, "other", "https://other.example.org")
    proc = subprocess.run([sys.executable, "-c", FOLLOW_CHECK, str(tmp_path)], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["other"] == [{"rasd_site": "other", "allow_offsite": True}]
    assert out["unknown"] == [] and out["listing"] == []
    assert out["own"] == [{"rasd_site": None, "allow_offsite": None}]


def test_no_shell_eval_or_unpickling_in_the_code() -> None:
    """Nothing a page or a config provides may reach a shell or an interpreter: the
    crawler's code never evaluates code, never unpickles and never uses a shell."""
    import ast

    forbidden_calls = {"eval", "exec", "compile", "__import__"}
    forbidden_modules = {"pickle", "marshal", "shelve"}  # subprocess: the scheduler starts
    # `rasd crawl` children with a fixed argument list; shell=True is what must never appear
    found = []
    for path in [*(ROOT / "crawler").rglob("*.py"), *(ROOT / "pipelines").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                owner = getattr(getattr(func, "value", None), "id", "")
                builtin = isinstance(func, ast.Name) and name in forbidden_calls
                if builtin or (owner == "os" and name.startswith(("system", "popen", "exec", "spawn"))):
                    found.append(f"{path.name}:{node.lineno} {owner}.{name}")
                if any(k.arg == "shell" for k in node.keywords):
                    found.append(f"{path.name}:{node.lineno} shell=")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                found += [f"{path.name}:{node.lineno} import {n}" for n in names
                          if n.split(".")[0] in forbidden_modules]
    assert found == []
