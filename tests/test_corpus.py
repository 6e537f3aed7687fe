"""Every real page of ../shared/corpus/arabic parses without a crash, and what was checked
by eye on each (and against the ground truth that came with some) stays true.

The per-page table (title, date, body words, read-also count) is printed on every run so a
change in any page's output is seen. The pages are read from ../shared, never copied.
"""

from __future__ import annotations

import csv
import gzip
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from lxml import html as lxml_html

from bench.extraction import tp_fp_fn
from crawler.arabic import normalise
from crawler.config import SiteConfig
from pipelines.offline import parse_page
from tests.conftest import shared_path

CORPUS = ("corpus", "arabic")

# Checked by eye against each saved page: (visible headline, published UTC, read-also links a
# reader sees). Dates come from the page's own metadata; where a page prints a date without a
# zone, it is in the site's zone (below).
VERIFIED: dict[str, tuple[str, str, int]] = {
    "youm7_1.html": ("وزير الرى يشهد توقيع عقد دراسة تحديد السحب الآمن للخزانات الجوفية مع جامعة القاهرة",
                     "2020-08-24T09:23:13Z", 4),
    "youm7_2.html": ("وزارة النقل تشغل 10 سيارات كهربائية للعمل تاكسى بالعاصمة الإدارية.. وتؤكد: حجزها يبدأ "
                     "الأربعاء بتطبيق هاتف والدفع فيزا وكاش.. والمركبات مراقبة بكاميرات إلكترونية من الداخل "
                     "والخارج وبها أجهزة GPS.. صور", "2024-05-13T06:00:00Z", 1),
    "youm7_3.html": ("وزارة العمل: تفاصيل تسفير 5 آلاف عامل مصرى لليونان للعمل بالزراعة قريبا",
                     "2024-05-20T07:00:00Z", 1),  # not the Taboola "قد يعجبك" widget
    "alyaum_1.html": ("طهران تدفن «زادة».. وتتهم المعارضة الإيرانية باغتياله", "2020-11-30T23:00:00Z", 6),
    "albayan_1.html": ("القائم بأعمال السفارة الأفغانية يثمّن جهود الإمارات", "2020-06-02T23:01:00Z", 0),
    "akhbarelyom_1.html": ("36 عامًا.. سر رحيل نعيمة عاكف في سن مبكر", "2020-10-07T10:09:00Z", 3),
    "almadenahnews_1.html": ("أميركا :50 الفا حصيلة الوفيات بسبب فيروس كورونا", "2020-04-24T18:22:00Z", 11),
    "sputnikarabic_1.html": ("مصر تسجل 30 إصابة جديدة وحالتي وفاة بفيروس كورونا", "2020-03-17T17:27:41Z", 3),
    "elbaladtv_1.html": ("تركى آل الشيخ بعد إصابة يسرا بكورونا: يارب يرفع عنك", "2020-12-24T23:59:50Z", 2),
    "beirutobserver_1.html": ("سرقة منزل أميرة سعودية في باريس يضم أغراضاً فاخرة بقيمة 700 ألف دولار",
                              "2020-11-09T18:34:47Z", 0),
    "assabah_1.html": ("الناشط الحقوقي السوداني خالد عبد الكريم ماسا لـ«الصباح»: كل الشروط متوفرة لثورة سودانية "
                       "ولا حاجة لنستورد شيئا", "2019-02-07T23:00:00Z", 0),
    "cnnarabic_1.html": ("معارضون يسيطرون على مخازن للصواريخ بريف دمشق", "2013-08-28T10:00:00Z", 0),
    "lbcgroup_1.html.gz": ('"شعر وردي يُشعل السخرية"… لغز لون شعر دونالد ترامب يربك الجمهور وخبير يشرح السبب',
                           "2026-01-08T11:42:50Z", 4),
    "bbcarabic_1.html": ("آرون بوشنيل: أصدقاء الطيار الأمريكي يكافحون لاستيعاب حرقه لنفسه دعماً لغزة",
                         "2024-03-03T13:52:13.299000Z", 8),
    "fatabyyano_1.html": ("هذا المقطع مركب من مشاهد قديمة ولعبة محاكاة، ولا يظهر احتراق طائرة عمانية في الجو",
                          "2022-08-24T09:53:18Z", 2),
}
# Each site's zone: the only thing taken from a site config here (no selectors: the generic
# layers are under test). htmldate's ground truth gives local dates in these zones.
ZONES = {"youm7": "Africa/Cairo", "alyaum": "Asia/Riyadh", "albayan": "Asia/Dubai",
         "akhbarelyom": "Africa/Cairo", "almadenahnews": "Asia/Amman", "sputnikarabic": "Europe/Moscow",
         "elbaladtv": "Africa/Cairo", "beirutobserver": "Asia/Beirut", "assabah": "Africa/Tunis",
         "cnnarabic": "Asia/Dubai", "lbcgroup": "Asia/Beirut", "bbcarabic": "Europe/London",
         "fatabyyano": "Asia/Amman"}
# Text that must never end up in a body: furniture seen in the generic extractors' output.
NOT_BODY = {
    "bbcarabic_1.html": ("Cookies", "Author,", "قصص مقترحة", "صدر الصورة"),
    "cnnarabic_1.html": ("ترحب شبكة CNN بالنقاش", "لا تعبر عن رأي"),
    "almadenahnews_1.html": ("تم نشره", "يمكنك أيضا قراءة", "اصابات بفيروس كورونا في امريكا"),
    "assabah_1.html": ("حوار: آسيا العتروس",),
    "fatabyyano_1.html": ("إقرأ أيضًا", "اقرأ أيضاً"),
    "elbaladtv_1.html": ("إقرأ أيضاً",),
}


@cache
def sources() -> dict[str, dict[str, str]]:
    with shared_path(*CORPUS, "SOURCES.tsv").open(encoding="utf-8") as f:
        return {row["file"]: row for row in csv.DictReader(f, delimiter="\t")}


@cache
def parsed(name: str) -> dict[str, Any]:
    data = shared_path(*CORPUS, name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    site_name = name.split("_")[0]
    site = SiteConfig(name=site_name, path=Path(f"{site_name}.toml"), timezone=ZONES[site_name])
    return parse_page(data, sources()[name]["url"], site, {site_name: site})


def body_scores(truth: str, body: str) -> tuple[float, float]:
    tp, fp, fn = tp_fp_fn(truth, body)
    return tp / (tp + fp), tp / (tp + fn)


def test_every_corpus_page_parses_and_prints_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    names = list(sources())
    assert len(names) == 15 and set(names) == set(VERIFIED)
    lines = []
    for name in names:
        out = parsed(name)
        lines.append(f"{name:22} | {out['title'][:60]:60} | {out['published'] or '-':28} | "
                     f"{len(out['body'].split()):5} words | {len(out['read_also']):2} read-also | "
                     f"{out['language']}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))


@pytest.mark.parametrize("name", sorted(VERIFIED))
def test_page_fields_as_checked_by_eye(name: str) -> None:
    out = parsed(name)
    title, published, read_also = VERIFIED[name]
    assert out["title"] == title
    assert out["published"] == published
    assert len(out["read_also"]) == read_also
    assert out["language"] == "ar"
    assert len(out["body"].split()) >= 80
    assert normalise(out["title"]) not in normalise(out["body"])[: len(out["title"]) + 5]
    for furniture in NOT_BODY.get(name, ()):
        assert furniture not in out["body"], furniture
    own = out["url"]
    for link in out["read_also"]:
        assert link["url"].startswith("http") and link["url"] != own
        assert len(link["title"].split()) >= 3
        assert "/topics/" not in link["url"] and "utm_" not in link["url"]


def test_dates_match_htmldate_ground_truth() -> None:
    truth = json.loads(shared_path(*CORPUS, "groundtruth", "htmldate_eval_mediacloud_2020.json").read_text())
    by_file = {v["file"]: v["date"] for v in truth.values()}
    checked = 0
    for name, row in sources().items():
        expected = by_file.get(row["source_path"].rsplit("/", 1)[-1])
        if not expected:
            continue
        published = datetime.fromisoformat(parsed(name)["published"].replace("Z", "+00:00"))
        local = published.astimezone(ZoneInfo(ZONES[name.split("_")[0]]))
        assert local.date().isoformat() == expected, name
        checked += 1
    assert checked == 8


def test_bbc_against_readability_ground_truth() -> None:
    meta = json.loads(shared_path(*CORPUS, "groundtruth", "bbcarabic_1.readability.expected-metadata.json")
                      .read_text(encoding="utf-8"))
    out = parsed("bbcarabic_1.html")
    assert out["title"] == meta["title"]
    # Readability's byline is one string; the two people it names are two authors (issue 13.5).
    assert len(out["authors"]) == 2 and " و".join(out["authors"]) == meta["byline"]
    assert out["published"].replace(".299000", ".299") == meta["publishedDate"]
    expected = lxml_html.fromstring(
        shared_path(*CORPUS, "groundtruth", "bbcarabic_1.readability.expected.html").read_text(encoding="utf-8")
    ).text_content()
    precision, recall = body_scores(expected, out["body"])
    # Readability's body also holds captions, bylines and the in-body "قصص مقترحة" box,
    # which ours leaves out on purpose: everything we keep is theirs, most of theirs is ours.
    assert precision >= 0.97 and recall >= 0.85


def test_cnn_against_newspaper4k_ground_truth() -> None:
    expected = shared_path(*CORPUS, "groundtruth", "cnnarabic_1.newspaper4k.txt").read_text(encoding="utf-8")
    out = parsed("cnnarabic_1.html")
    assert body_scores(expected, out["body"]) >= (0.99, 0.99)


def test_lbcgroup_against_fundus_ground_truth() -> None:
    truth = json.loads(shared_path(*CORPUS, "groundtruth", "lbcgroup_1.fundus.json").read_text(encoding="utf-8"))
    v1 = truth["V1"]
    expected = "\n\n".join(p for section in v1["body"]["sections"] for p in section["paragraphs"])
    out = parsed("lbcgroup_1.html.gz")
    assert body_scores(expected, out["body"]) >= (0.99, 0.99)
    assert normalise(out["title"]).replace('"', "") == normalise(v1["title"])
    assert out["published"] == datetime.fromisoformat(v1["publishing_date"]).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("name", ["youm7_2", "youm7_3"])
def test_youm7_against_magic_html_ground_truth(name: str) -> None:
    (entry,) = json.loads(shared_path(*CORPUS, "groundtruth", f"{name}.magic-html.base.json")
                          .read_text(encoding="utf-8")).values()
    precision, recall = body_scores(entry["content"], parsed(f"{name}.html")["body"])
    # magic-html's reference also holds the headline and a video player's controls.
    assert precision >= 0.98 and recall >= 0.75
