"""`rasd serve` driven in a real headless Chromium (Playwright): search in Arabic with spelling
variants, facets, paging, the article page with read-also links, duplicates and edits, the
dashboard's charts against the store, a phone-sized screen, hostile stored content that must
stay inert, and the token login. Screenshots go to each test's tmp dir."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from crawler.config import SiteConfig, load_sites, site_dirs
from crawler.serve.app import ServeConfig
from crawler.storage.query import ArticleQuery, iso
from crawler.storage.store import Store
from tests.conftest import run_rasd, write_site
from tests.serve_support import BROWSER_ARGS, NOW, article, body, seed, seed_corpus, serving


def configured_sites(folder: Path) -> list[SiteConfig]:
    """Two packaged sites and «watan», the seeded local one."""
    write_site(folder, "watan", "https://watan.example")
    return [s for s in load_sites(site_dirs([str(folder)])).values() if s.name in ("aljazeera", "bbcarabic", "watan")]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("serve-browser")
    db = str(folder / "rasd.db")
    ids = seed_corpus(db)
    with serving(ServeConfig(db=db, sites=configured_sites(folder / "sites"))) as base:
        yield {"base": base, "db": db, "ids": ids}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="ar", timezone_id="Asia/Riyadh")
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    yield pg
    context.close()
    assert problems == []  # no CSP violation, no failed resource, no script error


def test_search_in_arabic_with_variants_facets_and_paging(site: dict[str, Any], page: Page, tmp_path: Path) -> None:
    page.goto(site["base"])
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#total").inner_text() == "33"  # the live front page: everything, newest first
    page.fill("input[name=q]", "الاخبار")  # no hamza; the titles say «الأخبار»
    page.click("form.search button[type=submit]")
    page.wait_for_url("**/?q=*")
    assert page.locator("#total").inner_text() == "26"
    assert page.locator("li.hit").count() == 20
    marks = page.locator("li.hit h3 mark").all_inner_texts()
    assert marks and set(marks) == {"الأخبار"}  # highlighted in the published spelling
    # Dates in the reader's time zone (Riyadh, UTC+3), by the served script.
    first_time = page.locator("li.hit time").first
    assert first_time.get_attribute("datetime").endswith("Z") and "UTC" not in first_time.inner_text()
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)

    page.click("nav.pager a[rel=next]")
    page.wait_for_url("**page=2*")
    assert page.locator("li.hit").count() == 6
    assert "صفحة 2 من 2" in page.locator("nav.pager").inner_text()

    page.goto(site["base"] + "?q=" + quote("الاقتصاد"))
    facets = {li.get_attribute("data-site"): int(li.locator(".count").inner_text())
              for li in page.locator("li.facet").all()}
    assert facets == {"watan": 28, "bbcarabic": 4}
    page.click("li.facet[data-site=bbcarabic] a")
    page.wait_for_url("**site=bbcarabic*")
    assert page.locator("#total").inner_text() == "4"
    assert page.locator("li.facet.active").get_attribute("data-site") == "bbcarabic"
    assert set(page.locator("li.hit .site").all_inner_texts()) == {"bbcarabic"}


def test_article_page_read_also_duplicates_and_edits(site: dict[str, Any], page: Page, tmp_path: Path) -> None:
    ids = site["ids"]
    page.goto(f"{site['base']}article/{ids['edited']}")
    assert page.locator("h1 bdi").inner_text() == "وزير يعلن خطة جديدة معدلة"
    assert page.locator("p.original a").get_attribute("href") == "https://watan.example/news/edited"
    stored, missing = page.locator("li.ra").all()
    assert "مخزّن" in stored.inner_text() and "لم يُجلب بعد" in missing.inner_text()
    assert missing.locator("a[href^='/article/']").count() == 0
    # Edit history with the added paragraph in the diff, and each field's extraction layer.
    assert "v1 → v2" in page.locator(".history h3").inner_text()
    added = page.locator("pre.diff span.add").all_inner_texts()
    assert any("فقرة مضافة بعد النشر" in line for line in added)
    assert page.locator("tr[data-field=body] .layer").inner_text() == "trafilatura"
    assert page.locator("tr[data-field=version] .value").inner_text() == "2"
    page.screenshot(path=str(tmp_path / "article.png"), full_page=True)
    stored.locator("a[href^='/article/']").click()
    page.wait_for_url(f"**/article/{ids['https://watan.example/news/3']}")
    assert page.locator("h1 bdi").inner_text() == "الأخبار رقم 3 من القاهرة"

    page.goto(f"{site['base']}article/{ids['copy']}")
    rows = page.locator(".cluster tbody tr").all()
    assert len(rows) == 2
    assert "الأصل" in rows[0].inner_text() and rows[0].locator("a").get_attribute("href") == f"/article/{ids['wire']}"
    assert "هذا المقال" in rows[1].inner_text() and "٪" in rows[1].inner_text()


def test_dashboard_charts_match_the_store(site: dict[str, Any], page: Page, tmp_path: Path) -> None:
    page.goto(site["base"] + "sites")
    with Store(site["db"]) as store:
        per_day: dict[str, int] = {}
        for doc in store.iter_articles(ArticleQuery(sites=("watan",))):
            per_day[iso(doc["first_seen"])[:10]] = per_day.get(iso(doc["first_seen"])[:10], 0) + 1
    chart = page.locator("svg[data-chart=articles-watan]")
    shown = {g.get_attribute("data-label"): int(g.get_attribute("data-value")) for g in chart.locator("g.bar").all()}
    assert len(shown) == 30
    assert {d: n for d, n in shown.items() if n} == per_day
    total = page.locator(f"svg[data-chart=articles] g.bar[data-label='{NOW.date().isoformat()}']")
    assert int(total.get_attribute("data-value")) == _first_seen_on(site["db"], NOW.date().isoformat())
    runs = page.locator("svg[data-chart=runs] g.bar")
    assert runs.count() == 3
    assert sorted(r.locator("rect").get_attribute("data-series") for r in runs.all()) == ["failed", "ok", "ok"]
    errors = page.locator("svg[data-chart=errors] rect[data-series=k0]").all()
    assert sum(float(e.get_attribute("data-value")) for e in errors) == 2
    assert "http_503" in page.locator(".legend").last.inner_text()
    # Verdicts and reasons are those of `rasd status`.
    status = json.loads(run_rasd("status", "aljazeera", "bbcarabic", "watan", "--db", site["db"], "--sites",
                                 str(Path(site["db"]).parent / "sites"), "--format", "json").stdout)
    for h in status:
        row = page.locator(f"tr.site[data-site={h['site']}]")
        assert row.locator(".state").inner_text() == h["state"]
        assert row.locator(".reason").inner_text() == h["reason"]
        assert row.locator(".failures").inner_text() == str(h["consecutive_failures"])
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    page.goto(site["base"] + "runs?status=failed")
    rows = page.locator("tr.run")
    assert rows.count() == 1 and rows.locator("td[data-col=site]").inner_text() == "watan"
    assert rows.locator("td[data-col=errors]").inner_text() == "2"
    assert "HTTP 503 from watan.example" in rows.locator(".samples").inner_text()


def _first_seen_on(db: str, day: str) -> int:
    with Store(db) as store:
        return sum(1 for d in store.iter_articles() if iso(d["first_seen"])[:10] == day)


def test_usable_on_a_phone(site: dict[str, Any], browser: Browser, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    for path in ("?q=" + quote("الاخبار"), "sites", f"article/{site['ids']['edited']}"):
        pg.goto(site["base"] + path)
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
    pg.goto(site["base"] + "?q=" + quote("الاخبار"))
    pg.screenshot(path=str(tmp_path / "phone.png"))
    context.close()


HOSTILE = "<script>window.__xss='script'</script><img src=x onerror=\"window.__xss='img'\">"
ATTRIBUTE = "\" onmouseover=\"window.__xss='attr'\" data-x=\""


def test_hostile_stored_content_stays_inert(tmp_path: Path, browser: Browser) -> None:
    db = str(tmp_path / "rasd.db")
    docs = [
        article("javascript:window.__xss='url'", f"عاجل {HOSTILE}", f"نص عاجل {HOSTILE}\n{ATTRIBUTE}\n" + body(1),
                site="watan", published=NOW - timedelta(hours=1), authors=[ATTRIBUTE],
                tags=["</bdi><script>x</script>"],
                read_also=[{"url": "javascript:window.__xss='readalso'", "title": f"عاجل {ATTRIBUTE}"},
                           {"url": "data:text/html,<script>alert(1)</script>", "title": "data"},
                           {"url": "https://evil.example/\u202egnp.exe", "title": "\u202eعاجل مقلوب"}]),
        article("https://watan.example/news/rtl", f"عاجل \u202e{ATTRIBUTE}", body(2), site="<svg onload=alert(1)>",
                published=NOW - timedelta(hours=2), image="javascript:alert(1)"),
    ]
    ids = seed(db, docs, now=NOW)
    context = browser.new_context()
    pg = context.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with serving(ServeConfig(db=db, sites=configured_sites(tmp_path / "sites"))) as base:
        for path in ("?q=" + quote("عاجل"), f"article/{ids[0]}", f"article/{ids[1]}", "sites", "runs",
                     "?site=" + quote("<svg onload=alert(1)>")):
            pg.goto(base + path)
            # Whatever handler an injected attribute could have added would run now.
            pg.evaluate("document.querySelectorAll('*').forEach(e => ['mouseover', 'focus', 'click']"
                        ".forEach(t => t !== 'click' || e.tagName !== 'A' ? e.dispatchEvent(new Event(t)) : 0))")
            assert pg.evaluate("window.__xss") is None, path
            scripts = pg.evaluate("[...document.scripts].map(s => s.getAttribute('src'))")
            assert scripts == ["/static/rasd.js"], path
            assert pg.locator("[onerror], [onmouseover], [onload]").count() == 0, path
            hrefs = pg.evaluate("[...document.querySelectorAll('[href]')].map(a => a.getAttribute('href'))")
            assert all(h.startswith(("/", "http://", "https://", "data:,", "?")) for h in hrefs), (path, hrefs)
            assert not any("\u202e" in h for h in hrefs) and not any(h.startswith("data:text") for h in hrefs)
        pg.goto(f"{base}article/{ids[0]}")
        assert HOSTILE in pg.locator("h1").inner_text()  # shown as the text it is
        inert = pg.locator("p.original .inert")
        assert inert.count() == 1 and pg.locator("p.original a").count() == 0
        inert.click()
        assert pg.url == f"{base}article/{ids[0]}"  # a javascript: address is never followed
        pg.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    assert dialogs == []
    context.close()


def test_token_login_sets_a_session_cookie(tmp_path: Path, browser: Browser) -> None:
    db = str(tmp_path / "rasd.db")
    seed_corpus(db)
    context = browser.new_context()
    pg = context.new_page()
    with serving(ServeConfig(db=db, sites=configured_sites(tmp_path / "sites"), token="t0ken-for-test")) as base:
        pg.goto(base + "?q=" + quote("الاخبار"))
        assert "/login" in pg.url
        pg.fill("input[name=token]", "wrong")
        pg.click("form.login button")
        assert pg.locator(".fail").count() == 1
        pg.fill("input[name=token]", "t0ken-for-test")
        pg.click("form.login button")
        pg.wait_for_url("**/?q=*")
        assert pg.locator("#total").inner_text() == "26"
        cookie = next(c for c in context.cookies() if c["name"] == "rasd_session")
        assert cookie["httpOnly"] and cookie["value"] != "t0ken-for-test"
        pg.goto(base + "api/articles?size=1")
        assert json.loads(pg.locator("body").inner_text())["total"] == 33
        # The login form never sends anyone to another host.
        pg.goto(base + "login?next=//evil.example/")
        pg.fill("input[name=token]", "t0ken-for-test")
        pg.click("form.login button")
        pg.wait_for_load_state()
        assert pg.url.startswith(base)
    context.close()
