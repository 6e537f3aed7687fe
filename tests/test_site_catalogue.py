"""The built-in site catalogue: every config loads, is conservative, and its URL patterns
recognise the site's article URLs (and not its section pages)."""

from __future__ import annotations

import re

import pytest

from crawler.config import BUILTIN_SITES_DIR, load_sites

SITES = load_sites([BUILTIN_SITES_DIR])

# One real article URL and one non-article URL per site (from the saved corpus pages where we
# have them, otherwise URLs of the site's known shape).
# Shapes seen in public code that links to these sites: an article id without a slug.
MORE_ARTICLES = {
    "skynewsarabia": ["https://www.skynewsarabia.com/middle-east/1884498",
                      "https://www.skynewsarabia.com/from_egypt/1712345-مثال"],
    "masrawy": ["https://www.masrawy.com/news/news_egypt/details/2026/1/8/2921781"],
    "alkhaleej": ["https://www.alkhaleej.ae/2024-03-26/خالد-بن-محمد-يطلق-مشروع"],
    "cnnarabic": ["https://arabic.cnn.com/middle-east/article/2023/10/30/number-of-hostages-held-in-gaza"],
}

URLS = {
    "aawsat": ("https://aawsat.com/العالم-العربي/المشرق-العربي/5079111-مثال", "https://aawsat.com/العالم-العربي"),
    "akhbarelyom": ("https://akhbarelyom.com/news/newdetails/3126898/1/36-عامًا",
                    "https://akhbarelyom.com/news/newsection/1"),
    "alarabiya": ("https://www.alarabiya.net/arab-and-world/2024/05/13/مثال",
                  "https://www.alarabiya.net/arab-and-world"),
    "albayan": ("https://www.albayan.ae/across-the-uae/news-and-reports/2020-06-03-1.3874341",
                "https://www.albayan.ae/across-the-uae"),
    "aljazeera": ("https://www.aljazeera.net/news/2024/5/13/مثال", "https://www.aljazeera.net/news/"),
    "alkhaleej": ("https://www.alkhaleej.ae/2024-05-13/مثال/سياسة/الإمارات", "https://www.alkhaleej.ae/سياسة"),
    "almadenahnews": ("https://www.almadenahnews.com/article/825076-مثال",
                      "https://www.almadenahnews.com/category/عربي-ودولي"),
    "almasryalyoum": ("https://www.almasryalyoum.com/news/details/3145678",
                      "https://www.almasryalyoum.com/news/index"),
    "alyaum": ("https://www.alyaum.com/articles/6291787/القارات-السبع/مثال", "https://www.alyaum.com/القارات-السبع"),
    "assabah": ("http://www.assabah.com.tn/article/164913/مثال", "http://www.assabah.com.tn/section/1"),
    "bbcarabic": ("https://www.bbc.com/arabic/articles/c720dxj8dq8o", "https://www.bbc.com/arabic/topics/c2dwq28209rt"),
    "beirutobserver": ("https://www.beirutobserver.com/2020/11/2338761/",
                       "https://www.beirutobserver.com/category/news/"),
    "cnnarabic": ("https://arabic.cnn.com/middle-east/article/2024/05/13/مثال", "https://arabic.cnn.com/middle-east"),
    "echorouk": ("https://www.echoroukonline.com/مثال-على-عنوان-خبر-طويل", "https://www.echoroukonline.com/"),
    "elbaladtv": ("https://elbaladtv.net/تركى-آل-الشيخ-بعد-إصابة-يسرا/", "https://elbaladtv.net/"),
    "elwatannews": ("https://www.elwatannews.com/news/details/7212345", "https://www.elwatannews.com/section/1"),
    "fatabyyano": ("https://fatabyyano.net/المقطع-من-العاب-محاكاة-الطيران/", "https://fatabyyano.net/"),
    "hespress": ("https://www.hespress.com/مثال-على-خبر-1354321.html", "https://www.hespress.com/politique"),
    "lbcgroup": ("https://www.lbcgroup.tv/news/lifestyle/898682/مثال/ar", "https://www.lbcgroup.tv/news/ar"),
    "masrawy": ("https://www.masrawy.com/news/news_egypt/details/2024/5/13/2591234/مثال",
                "https://www.masrawy.com/news/news_egypt"),
    "skynewsarabia": ("https://www.skynewsarabia.com/middle-east/1712345-مثال", "https://www.skynewsarabia.com/middle-east"),
    "sputnikarabic": ("https://sarabic.ae/20240513/مثال-1088123456.html", "https://sarabic.ae/world/"),
    "youm7": ("https://www.youm7.com/story/2024/5/20/وزارة-العمل/6574622", "https://www.youm7.com/Section/أخبار-عاجلة/65/1"),
}


def test_at_least_fifteen_sites_ship() -> None:
    assert len(SITES) >= 15
    assert set(SITES) == set(URLS)


@pytest.mark.parametrize("name", sorted(SITES))
def test_site_is_conservative_and_local(name: str) -> None:
    site = SITES[name]
    assert 30 * 60 <= (site.schedule_seconds() or 0) <= 2 * 3600, "schedule between 30m and 2h"
    assert site.timezone != "UTC", "dates printed without a zone are read in the site's zone"
    assert site.entry_points and all(site.owns(u) for u in site.entry_points)
    assert site.language == "ar"


@pytest.mark.parametrize("name", sorted(SITES))
def test_article_patterns(name: str) -> None:
    from crawler.urls import canonical_url

    site = SITES[name]
    article, section = (canonical_url(u) for u in URLS[name])
    for url in (article, *(canonical_url(u) for u in MORE_ARTICLES.get(name, ()))):
        assert site.owns(url)
        assert site.is_article_url(url), url
    assert not site.is_article_url(section)


# The sites whose entry points issue 15 found doubtful against public evidence.
DOUBTFUL = ("albayan", "alkhaleej", "skynewsarabia", "aljazeera", "alarabiya", "akhbarelyom", "elwatannews",
            "almadenahnews", "beirutobserver", "assabah")


def provenance(text: str, url: str) -> str:
    """The config comment about one entry point: its line and the indented lines under it."""
    lines = text.splitlines()
    named = re.compile(re.escape(url) + r"(\s|$)")
    at = next((i for i, line in enumerate(lines) if line.startswith("#") and named.search(line)), None)
    if at is None:
        return ""
    said = [lines[at]]
    for line in lines[at + 1:]:
        if not line.startswith("#     "):
            break
        said.append(line)
    return " ".join(said)


@pytest.mark.parametrize("name", DOUBTFUL)
def test_doubtful_sites_have_fallbacks_and_say_where_each_came_from(name: str) -> None:
    site = SITES[name]
    text = site.path.read_text(encoding="utf-8")
    # One dead URL does not empty the site: another entry point, and a listing page among them.
    assert len(site.entry_points) >= 2 and site.start_urls
    for url in site.entry_points:
        said = provenance(text, url)
        assert "seen in" in said or "unverified" in said, f"{name}: no provenance for {url}"


@pytest.mark.parametrize("name", sorted(SITES))
def test_every_site_says_when_it_was_last_seen_working(name: str) -> None:
    text = SITES[name].path.read_text(encoding="utf-8")
    assert "# Last seen working:" in text
    assert f"rasd sites --check {name}" in text
