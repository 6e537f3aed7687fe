"""Ranked Arabic full-text search through the Store API (both backends, MongoDB when
RASD_TEST_MONGODB_URI is set) and ``rasd articles --search``: the spellings a reader treats
as one word match, every word is required, phrases and exclusions work, a title match ranks
above a passing mention."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.storage import sqlite
from crawler.storage.analyzer import parse_search, terms
from crawler.storage.query import ArticleQuery
from crawler.storage.store import Store
from tests.conftest import run_rasd
from tests.test_store_contract import store  # noqa: F401 - the fixture over both backends

DAY = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
FILLER = "وتابع المراسلون تفاصيل اليوم في الأسواق والشوارع وسط أجواء هادئة. " * 12

STORIES = {
    "books": ("معرض الكتاب يفتح أبوابه", "افتتح معرض الكتاب الدولي دورته الجديدة بمشاركة واسعة."),
    "israel": ("إسرائيل تعلن خطة جديدة", "أعلنت الحكومة الإسرائيلية خطة للمرحلة المقبلة."),
    "school": ("افتتاح المدرسة الجديدة", "احتفل الأهالي بافتتاح المدرسة في الحي الشمالي."),
    "hospital": ("توسعة مستشفى المدينة", "بدأت أعمال توسعة المستشفى لاستقبال المرضى."),
    "beirut": ("انفجار في بیروت", "هز انفجار العاصمة بیروت ليل الأحد."),  # Persian ی
    "names": ("مُحَمَّدٌ يفوز بالجائزة", "فاز الكاتب مُحَمَّد بجائزة الرواية العربية."),  # tashkeel
    "year": ("حصاد عام ٢٠٢٣", "أرقام الاقتصاد في عام ٢٠٢٣ كما نشرتها الوزارة."),  # Arabic-Indic digits
    "minister": ("وزير الخارجية يزور القاهرة", "وصل وزير الخارجية إلى القاهرة في زيارة رسمية."),
    "apart": ("لقاء في القاهرة", "التقى المسؤول بنظيره، وناقش الجانبان ملف الخارجية والتعاون."),
    "quake_title": ("زلزال يضرب الساحل", "شعر السكان بهزة قوية صباح اليوم. " + FILLER),
    "quake_mention": ("أخبار الطقس والأسواق", FILLER + " وذكر التقرير الزلزال عرضا. " + FILLER),
}


def fill(target: Store) -> None:
    for i, (key, (title, body)) in enumerate(STORIES.items()):
        target.save_article({"url": f"https://news.example/{key}", "site": "beirut" if key == "beirut" else "ex",
                            "title": title, "body": body, "fingerprint": key,
                            "published": DAY + timedelta(hours=i)})


def found(target: Store, search: str, **extra: object) -> list[str]:
    page = target.find_articles(ArticleQuery(search=search, **extra))
    return [d["url"].rsplit("/", 1)[1] for d in page.items]


def test_spelling_variants_and_clitics_meet_in_one_term(store: Store) -> None:  # noqa: F811
    fill(store)
    for query in ("الكتاب", "كتاب", "والكتاب", "بالكتاب", "للكتاب", "فالكتاب"):
        assert found(store, query) == ["books"], query
    for query in ("اسرائيل", "أسرائيل", "إسرائيل", "وإسرائيل"):
        assert found(store, query) == ["israel"], query
    assert found(store, "مدرسه") == found(store, "المدرسة") == ["school"]          # ة / ه
    assert found(store, "مستشفي") == found(store, "المستشفى") == ["hospital"]     # ى / ي
    assert found(store, "بيروت") == ["beirut"]                                      # Persian ی
    assert found(store, "محمد") == found(store, "مُحَمَّد") == ["names"]           # tashkeel
    assert found(store, "القـــاهرة") == found(store, "القاهرة")                   # tatweel
    assert found(store, "2023") == found(store, "۲۰۲۳") == ["year"]                # digits
    assert terms("والكتب") == terms("الكتب") == terms("كتب")


def test_words_are_all_required_phrases_and_exclusions(store: Store) -> None:  # noqa: F811
    fill(store)
    assert sorted(found(store, "القاهرة")) == ["apart", "minister"]
    assert sorted(found(store, "الخارجية القاهرة")) == ["apart", "minister"]
    assert found(store, '"وزير الخارجية"') == ["minister"]         # consecutive words only
    assert found(store, "القاهرة -وزير") == ["apart"]
    assert found(store, '"وزير الخارجية" -زيارة') == []
    assert found(store, "القاهرة غيرموجودة") == []
    assert found(store, "-القاهرة") == [] and found(store, "(.*") == []  # nothing to look for
    assert parse_search('وزير "الخارجية المصرية" -مصر') .excluded == terms("مصر")


def test_a_title_match_ranks_above_a_passing_mention_and_date_sort_overrides(store: Store) -> None:  # noqa: F811
    fill(store)
    page = store.find_articles(ArticleQuery(search="الزلزال"))
    assert [d["url"] for d in page.items] == ["https://news.example/quake_title", "https://news.example/quake_mention"]
    assert page.total == 2 and page.items[0]["score"] > page.items[1]["score"]
    assert "[الزلزال]" in page.items[1]["snippet"] and "…" in page.items[1]["snippet"]
    by_date = found(store, "زلزال", sort="date")
    assert by_date == ["quake_mention", "quake_title"]  # the mention was published later
    assert store.site_counts(ArticleQuery(search="انفجار")) == {"beirut": 1}
    assert store.count_articles(ArticleQuery(search="القاهرة", sites=("ex",))) == 2
    second = store.find_articles(ArticleQuery(search="القاهرة", limit=1, offset=1))
    assert len(second.items) == 1 and second.total == 2


def test_rasd_articles_search_syntax_snippet_and_sort(tmp_path: Path) -> None:
    db = str(tmp_path / "rasd.db")
    with Store(db) as s:
        fill(s)
    out = run_rasd("articles", "--db", db, "--search", "زلزال", "--format", "json", check=True).stdout
    listed = json.loads(out)
    assert [a["url"] for a in listed] == ["https://news.example/quake_title", "https://news.example/quake_mention"]
    assert all(a["snippet"] and a["score"] > 0 for a in listed)
    table = run_rasd("articles", "--db", db, "--search", '"وزير الخارجية" -مصر', check=True)
    assert "وزير الخارجية يزور القاهرة" in table.stdout and "[وزير] [الخارجية]" in table.stdout
    assert "showing" not in table.stderr  # one match, all shown
    dated = json.loads(run_rasd("articles", "--db", db, "--search", "القاهرة", "--sort", "date", "--format",
                                "json", check=True).stdout)
    assert [a["url"].rsplit("/", 1)[1] for a in dated] == ["apart", "minister"]


def test_an_edited_article_is_found_by_its_new_words_only(store: Store) -> None:  # noqa: F811
    url = "https://news.example/edit"
    store.save_article({"url": url, "site": "ex", "title": "خبر أول", "body": "انعقد المؤتمر في عمان.",
                        "fingerprint": "v1"})
    store.save_article({"url": url, "site": "ex", "title": "خبر معدل", "body": "انعقد المؤتمر في الرياض.",
                        "fingerprint": "v2"})
    assert found(store, "عمان") == [] and found(store, "أول") == []
    assert found(store, "الرياض") == found(store, "معدل") == found(store, "المؤتمر") == ["edit"]


def common_corpus(target: Store, n: int = 60) -> None:
    """``n`` stories all holding «الحكومة» a varying number of times (so their scores differ),
    on three sites, published in an order unlike the order they are stored in."""
    docs = []
    for i in range(n):
        body = " ".join(["أعلنت الحكومة قرارا جديدا."] * (1 + i % 7) + ["وتابع المراسلون التفاصيل."] * (i % 5))
        docs.append({"url": f"https://news.example/c{i}", "site": ("a", "b", "c")[i % 3], "fingerprint": f"c{i}",
                     "title": f"الحكومة في خبر {i}" if i % 11 == 0 else f"خبر رقم {i}", "body": body,
                     "language": "ar" if i % 4 else "en", "published": DAY + timedelta(hours=(i * 17) % n)})
    target.import_articles(docs)


def test_page_total_and_facets_agree_from_one_query(store: Store) -> None:  # noqa: F811
    common_corpus(store)
    fill(store)
    for q in (ArticleQuery(search="الحكومة", sites=("b",), facets=True, limit=7),
              ArticleQuery(search="الحكومة", language="ar", facets=True, limit=7, sort="date"),
              ArticleQuery(facets=True, limit=7, sites=("a", "ex"))):
        page = store.find_articles(q)
        everything = store.find_articles(replace(q, limit=0, facets=False)).items
        assert page.exact and page.facets_exact and page.ranked_among is None
        assert page.total == len(everything) == store.count_articles(q)
        assert page.facets == store.site_counts(replace(q, sites=()))
        assert page.total == sum(n for s, n in page.facets.items() if s in q.sites or not q.sites)
        assert [d["url"] for d in page.items] == [d["url"] for d in everything[:7]]


def test_the_large_match_plan_gives_the_full_rankings_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan for common words (chosen above LARGE_MATCHES), forced here on a small store
    where the full ranking can run beside it: with every match among the newest ranked, its
    pages are the full ranking's; with fewer, its relevance page is the best of the newest
    RANKED_NEWEST, it says so, and its estimates are labelled; its date order stays exact."""
    with Store(str(tmp_path / "s.db")) as target:
        common_corpus(target)
        queries = [ArticleQuery(search="الحكومة", limit=10), ArticleQuery(search="الحكومة", limit=10, offset=10),
                   ArticleQuery(search="الحكومة", sort="date", limit=10, offset=5),
                   ArticleQuery(search="الحكومة", sites=("a",), language="ar", limit=5, facets=True),
                   ArticleQuery(search="الحكومة", sort="date", sites=("c",), limit=5, facets=True)]
        full = [target.find_articles(q) for q in queries]
        deep_full = target.find_articles(replace(queries[0], offset=40))
        monkeypatch.setattr(sqlite, "LARGE_MATCHES", 5)
        for q, expected in zip(queries, full, strict=True):
            page = target.find_articles(q)
            assert [(d["url"], d.get("score")) for d in page.items] == [(d["url"], d["score"]) for d in expected.items]
            assert (page.total, page.facets) == (expected.total, expected.facets)
            assert page.exact and page.facets_exact
            assert page.ranked_among == (60 if q.sort == "relevance" else None)
        monkeypatch.setattr(sqlite, "RANKED_NEWEST", 30)
        newest = {f"https://news.example/c{i}" for i in range(30, 60)}  # stored last
        page = target.find_articles(queries[0])
        ranking = target.find_articles(replace(queries[0], limit=0)).items  # unpaged: the full ranking
        best_of_newest = [d["url"] for d in ranking if d["url"] in newest]
        assert [d["url"] for d in page.items] == best_of_newest[:10]
        assert page.ranked_among == 30 and page.total == 60 and page.exact  # the index's own count
        filtered = target.find_articles(queries[4])
        assert [d["url"] for d in filtered.items] == [d["url"] for d in full[4].items]  # date order: exact
        assert not filtered.exact and not filtered.facets_exact  # estimated from the newest 30: labelled
        assert filtered.total >= len(filtered.items) and sum(filtered.facets.values()) == 60
        deep = target.find_articles(replace(queries[0], offset=40))  # beyond the newest 30: the full ranking
        assert [(d["url"], d["score"]) for d in deep.items] == [(d["url"], d["score"]) for d in deep_full.items]


def test_rasd_articles_says_when_a_total_is_estimated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from crawler.cli.main import main  # in-process: the plan's thresholds are monkeypatched

    db = str(tmp_path / "s.db")
    with Store(db) as target:
        common_corpus(target)
    monkeypatch.setattr(sqlite, "LARGE_MATCHES", 5)
    monkeypatch.setattr(sqlite, "RANKED_NEWEST", 30)
    assert main(["articles", "--db", db, "--search", "الحكومة", "--limit", "3"]) == 0
    assert "showing 3 of 60, best of the newest 30 matches first" in capsys.readouterr().err
    assert main(["articles", "--db", db, "--search", "الحكومة", "--site", "a", "--limit", "3"]) == 0
    assert "of about " in capsys.readouterr().err
