"""The demo site: a realistic Arabic news site, generated (``rasd demo`` serves it on
127.0.0.1; the tests and benchmarks crawl it).

Pages follow the seed article's shape (headline, "تاريخ النشر:" line, body, "المصدر:" line,
"كلمات دلالية:" tags — one repeated in Persian letters — and an "إقرأ أيضاً:" block), wrapped
in the menus, sidebars and footers real portals have. Listing pages with pagination, an RSS
feed and a Google News sitemap (behind a sitemap index) lead to the articles. The site is
mutable: articles are published and edited between crawls. Every article also has an AMP
variant under /amp/news/<id> whose <link rel=canonical> points at the article.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import quote, unquote, urlsplit

TOPICS = [
    ("كوريا الشمالية", "بيونج يانج"), ("روسيا", "موسكو"), ("مصر", "القاهرة"),
    ("الاقتصاد", "البورصة"), ("الرياضة", "كرة القدم"), ("الطقس", "الأرصاد"),
]
SENTENCES = [
    "قالت صحيفة واشنطن بوست الأمريكية إن الزيارة من المتوقع أن يكون التركيز الأساسي فيها حول المفاوضات.",
    "وتمثل الزيارة أول رحلة دولية معروفة منذ أن فرض إغلاقًا صارمًا للحدود بسبب الوباء في أوائل عام 2020.",
    "وتابعت الصحيفة أنه من المرجح أن يطلب الوفد مساعدات غذائية وتكنولوجيا حديثة مقابل تزويد البلاد بالذخائر.",
    "وحثت الولايات المتحدة على وقف المفاوضات والالتزام بالتعهدات العلنية بعدم تقديم أو بيع الأسلحة.",
    "وخلص التقرير إلى أن كلا الطرفين يشيران إلى استعدادهما للتعاون، ولكن النتائج تظل غير مؤكدة.",
    "ويسلط الاجتماع الضوء على الديناميكيات الجيوسياسية المتغيرة في المنطقة والتفاعل المعقد بين الدول.",
    "وأوضح المسؤولون أن الحكومة ستعلن عن تفاصيل الخطة الجديدة خلال الأسابيع المقبلة بعد مشاورات موسعة.",
    "وأشار الخبراء إلى أن الأسواق تفاعلت بشكل إيجابي مع الأنباء، حيث ارتفعت المؤشرات في ختام التعاملات.",
]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]


def ordinal(day: int) -> str:
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def date_line(when: datetime) -> str:
    return f"{ordinal(when.day)}, {MONTHS_EN[when.month - 1]} {when.year} GMT"


@dataclass
class Story:
    id: int
    title: str
    paragraphs: list[str]
    published: datetime
    tags: list[str]
    source: str = "الوطن"
    related: list[int] = field(default_factory=list)
    modified: datetime | None = None

    @property
    def path(self) -> str:
        slug = "-".join(self.title.split()[:5])
        return f"/news/{self.id}/{quote(slug)}"

    @property
    def lead(self) -> str:
        return self.paragraphs[0]


def make_story(i: int, now: datetime, n_related: int = 2, total: int | None = None) -> Story:
    topic, place = TOPICS[i % len(TOPICS)]
    paragraphs = [
        f"{SENTENCES[(i + k) % len(SENTENCES)]} وذكرت المصادر في {place} أن الخبر رقم {i} يتعلق بملف {topic}."
        for k in range(4)
    ]
    total = total or i + 1
    related = [j for j in ((i + d) % total for d in range(1, n_related + 1)) if j != i]
    return Story(
        id=i, title=f"{topic}: تطورات جديدة في {place} بشأن الملف رقم {i}",
        paragraphs=paragraphs, published=now - timedelta(hours=i),
        tags=[topic, place, "کوریا الشمالیة" if i % 2 == 0 else "روسيا"], related=related,
    )


class NewsSite:
    """The site's content; ``render`` turns a path into a response."""

    def __init__(self, n: int = 12, per_page: int = 5, name: str = "الوطن نيوز",
                 now: datetime | None = None) -> None:
        self.now = now or datetime(2023, 9, 12, 9, 0, tzinfo=UTC)
        self.name = name
        self.per_page = per_page
        self.stories: dict[int, Story] = {}
        for i in range(n):
            self.stories[i] = make_story(i, self.now, total=n)
        self.base = ""
        self.extra_links: list[str] = []  # hrefs added to every listing page ("trending")

    # --- mutation for tests ---
    def publish(self, count: int = 1) -> list[Story]:
        start = max(self.stories) + 1
        new = [make_story(i, self.now + timedelta(hours=i), total=start + count)
               for i in range(start, start + count)]
        for s in new:
            s.published = self.now + timedelta(hours=s.id)
            self.stories[s.id] = s
        return new

    def edit(self, story_id: int, paragraph: str, when: datetime | None = None) -> None:
        """Add a paragraph; the edit is dated when it happens (now, unless ``when`` is
        given), however old the story is — as newsrooms do, and as sitemaps then say."""
        story = self.stories[story_id]
        story.paragraphs = [*story.paragraphs, paragraph]
        # Whole seconds, as sitemaps print them, rounded up so the edit is never dated
        # before it happened.
        story.modified = when or (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)

    # --- pages ---
    def ordered(self) -> list[Story]:
        return sorted(self.stories.values(), key=lambda s: s.published, reverse=True)

    def layout(self, title: str, main: str) -> str:
        menu = "".join(f'<li><a href="/section/{quote(t)}">{t}</a></li>' for t, _ in TOPICS)
        most_read = "".join(
            f'<li><a href="{s.path}">{html.escape(s.title)}</a></li>' for s in self.ordered()[:3]
        )
        return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{html.escape(title)} - {self.name}</title></head>
<body>
<header><a href="/">{self.name}</a><nav><ul>{menu}</ul></nav></header>
<main>{main}</main>
<aside class="sidebar"><h3>الأكثر قراءة</h3><ul>{most_read}</ul></aside>
<footer><p>جميع الحقوق محفوظة © {self.name} 2023</p><a href="/about">من نحن</a></footer>
</body></html>"""

    def story_at(self, path: str) -> Story | None:
        parts = unquote(urlsplit(path).path).split("/")
        if parts[1:2] == ["amp"]:
            parts = parts[1:]
        if len(parts) >= 3 and parts[1] == "news" and parts[2].isdigit():
            return self.stories.get(int(parts[2]))
        return None

    def last_modified(self, path: str) -> datetime | None:
        """What the server sends as Last-Modified for a path (articles only)."""
        story = self.story_at(path)
        return (story.modified or story.published) if story else None

    def amp_html(self, s: Story) -> str:
        body = "".join(f"<p>{html.escape(p)}</p>" for p in s.paragraphs)
        return f"""<!DOCTYPE html>
<html amp lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{html.escape(s.title)} - {self.name}</title>
<link rel="canonical" href="{self.base}{s.path}"></head>
<body><article><h1 class="headline">{html.escape(s.title)}</h1>
<div class="date">تاريخ النشر: {date_line(s.published)}</div>
<div class="article-body">{body}</div>
<p class="source">المصدر: {html.escape(s.source)}</p></article></body></html>"""

    def article_html(self, s: Story) -> str:
        body = "".join(f"<p>{html.escape(p)}</p>" for p in s.paragraphs)
        tags = " ".join(f'<a href="/tag/{quote(t)}">{html.escape(t)}</a>' for t in s.tags)
        related = ""
        for rid in s.related:
            r = self.stories.get(rid)
            if r:
                related += (f'<div class="related-item"><a href="{r.path}">{html.escape(r.title)}</a>'
                            f"<p>{html.escape(r.lead)}</p></div>")
        modified = (f'<meta property="article:modified_time" content="{s.modified.isoformat()}">'
                    if s.modified else "")
        main = f"""<article>
<h1 class="headline">{html.escape(s.title)}</h1>
<div class="date">تاريخ النشر: {date_line(s.published)}</div>{modified}
<div class="share"><a href="https://facebook.com/sharer">شارك</a> <a href="https://twitter.com/share">غرد</a></div>
<div class="article-body">{body}</div>
<p class="source">المصدر: {html.escape(s.source)}</p>
<div class="tags">كلمات دلالية: {tags}</div>
<div class="read-also"><h3>إقرأ أيضاً:</h3>{related}</div>
</article>"""
        return self.layout(s.title, main).replace(
            "</title></head>", f'</title><link rel="canonical" href="{self.base}{s.path}"></head>')

    def listing_html(self, page: int) -> str:
        stories = self.ordered()
        chunk = stories[(page - 1) * self.per_page: page * self.per_page]
        items = "".join(
            f'<div class="card"><h2><a href="{s.path}">{html.escape(s.title)}</a></h2>'
            f"<p>{html.escape(s.lead[:80])}</p></div>" for s in chunk
        )
        pages = (len(stories) + self.per_page - 1) // self.per_page
        nav = f'<a class="next" href="/page/{page + 1}">التالي</a>' if page < pages else ""
        trending = "".join(f'<a href="{html.escape(h)}">رائج</a> ' for h in self.extra_links)
        return self.layout("الرئيسية", f'<section class="listing">{items}</section>{nav}'
                                       f'<div class="trending">{trending}</div>')

    def rss(self) -> str:
        items = "".join(
            f"<item><title>{html.escape(s.title)}</title><link>{self.base}{s.path}</link>"
            f"<pubDate>{format_datetime(s.published)}</pubDate></item>"
            for s in self.ordered()[:20]
        )
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{self.name}</title>{items}</channel></rss>")

    def sitemap_index(self) -> str:
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{self.base}/sitemap-news.xml</loc></sitemap></sitemapindex>")

    def news_sitemap(self) -> str:
        urls = "".join(
            f"<url><loc>{self.base}{s.path}</loc>"
            f"<lastmod>{(s.modified or s.published).isoformat()}</lastmod>"
            f"<news:news><news:publication_date>{s.published.isoformat()}</news:publication_date>"
            f"<news:title>{html.escape(s.title)}</news:title></news:news></url>"
            for s in self.ordered()
        )
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                f"{urls}</urlset>")

    def render(self, path: str) -> tuple[int, str, str]:
        """(status, content type, body) for a request path."""
        path = unquote(urlsplit(path).path)
        if path in ("/", "/index.html"):
            return 200, "text/html; charset=utf-8", self.listing_html(1)
        if path.startswith("/page/") and path[6:].isdigit():
            return 200, "text/html; charset=utf-8", self.listing_html(int(path[6:]))
        if path == "/rss.xml":
            return 200, "application/rss+xml; charset=utf-8", self.rss()
        if path == "/sitemap.xml":
            return 200, "application/xml", self.sitemap_index()
        if path == "/sitemap-news.xml":
            return 200, "application/xml", self.news_sitemap()
        if path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nAllow: /\n"
        story = self.story_at(path)
        if story:
            page = self.amp_html(story) if path.startswith("/amp/") else self.article_html(story)
            return 200, "text/html; charset=utf-8", page
        return 404, "text/html; charset=utf-8", self.layout("غير موجود", "<h1>الصفحة غير موجودة</h1>")
