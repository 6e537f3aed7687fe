"""Local sites that answer only their own spelling of a URL, as real ones do.

:class:`WordPressSite` writes its Arabic permalinks percent-encoded in lower-case hex (as
WordPress does) and redirects any other spelling of a post's path — upper-case hex, raw
Arabic letters — to its own. Its pages carry hAtom dates (``time.entry-date.published``
and ``time.updated``) and no JSON-LD. :class:`StrictQuerySite` serves articles only when
their query parameters come in the order it links them. Both log every request as sent
(``requests``: raw path and query), which :class:`tests.localsite.SiteServer` decodes.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote, urlsplit

from tests.localsite import SENTENCES, TOPICS

HTML = "text/html; charset=utf-8"


def lower_hex(text: str) -> str:
    """Percent-encoding with lower-case hex, as WordPress writes permalinks."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(text))


@dataclass
class Post:
    id: int
    title: str
    paragraphs: list[str]
    published: datetime
    modified: datetime | None = None

    @property
    def slug(self) -> str:
        return "-".join([*self.title.replace(":", "").split()[:5], str(self.id)])

    @property
    def path(self) -> str:
        """The site's own spelling."""
        return f"/{self.published:%Y/%m}/{lower_hex(self.slug)}/"

    @property
    def upper_path(self) -> str:
        return f"/{self.published:%Y/%m}/{quote(self.slug)}/"

    @property
    def raw_path(self) -> str:
        return f"/{self.published:%Y/%m}/{self.slug}/"


class WordPressSite:
    """16 posts: the front page links 12 in the site's own spelling (and one of them again in
    upper-case hex, another by its ``/?p=ID`` shortlink), page 2 links the other 4 in raw
    Arabic and the sitemap in upper-case hex, so those 4 are reached only through a
    redirect. Every third post was edited."""

    def __init__(self, n: int = 16) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        self.posts = []
        for i in range(n):
            topic, place = TOPICS[i % len(TOPICS)]
            published = now - timedelta(hours=i + 1)
            self.posts.append(Post(
                id=i, title=f"{topic}: تطورات جديدة في {place} بشأن الملف رقم {i}",
                paragraphs=[f"{SENTENCES[(i + k) % len(SENTENCES)]} وذكرت المصادر في {place} أن الخبر "
                            f"رقم {i} يتعلق بملف {topic}." for k in range(4)],
                published=published,
                modified=published + timedelta(minutes=40) if i % 3 == 0 else None,
            ))
        self.front = self.posts[:12]
        self.hidden = self.posts[12:]
        self.base = ""
        self.requests: list[str] = []
        self.lock = threading.Lock()

    def post_html(self, post: Post) -> str:
        """A twentyseventeen-style single post: hAtom classes, no JSON-LD, no Open Graph."""
        stamp = (f'<time class="entry-date published" datetime="{post.published.isoformat()}">'
                 f"{post.published:%d/%m/%Y}</time>")
        if post.modified:
            stamp += (f'<time class="updated" datetime="{post.modified.isoformat()}">'
                      f"{post.modified:%d/%m/%Y}</time>")
        else:
            stamp = stamp.replace('class="entry-date published"', 'class="entry-date published updated"')
        other = self.posts[(post.id + 1) % len(self.posts)]
        body = "".join(f"<p>{html.escape(p)}</p>" for p in post.paragraphs)
        return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="UTF-8"><title>{html.escape(post.title)} – مدونة الخليج</title>
<link rel="canonical" href="{self.base}{post.path}"></head>
<body class="post-template-default single single-post">
<header id="masthead"><a href="{self.base}/" rel="home">مدونة الخليج</a></header>
<article id="post-{post.id}" class="post-{post.id} post type-post status-publish hentry">
<header class="entry-header"><div class="entry-meta"><span class="posted-on">
<a href="{self.base}{post.path}" rel="bookmark">{stamp}</a></span></div>
<h1 class="entry-title">{html.escape(post.title)}</h1></header>
<div class="entry-content">{body}
<div class="read-also"><h3>إقرأ أيضاً:</h3><div class="related-item">
<a href="{self.base}{other.upper_path}">{html.escape(other.title)}</a></div></div></div>
</article>
<footer><p>جميع الحقوق محفوظة © مدونة الخليج</p></footer></body></html>"""

    def listing(self, posts: list[Post], spelling: str, extra: str = "") -> str:
        items = "".join(f'<h2 class="entry-title"><a href="{self.base}{getattr(p, spelling)}">'
                        f"{html.escape(p.title)}</a></h2>" for p in posts)
        return (f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="UTF-8">'
                f"<title>مدونة الخليج</title></head><body><main>{items}{extra}</main></body></html>")

    def render(self, target: str) -> tuple[int, str, str, dict[str, str]] | tuple[int, str, str]:
        with self.lock:
            self.requests.append(target)
        path, query = urlsplit(target).path, urlsplit(target).query
        if path == "/" and query.startswith("p=") and query[2:].isdigit():
            return 301, HTML, "", {"Location": f"{self.base}{self.posts[int(query[2:])].path}"}
        if path == "/":
            # Post 0 again in upper-case hex, post 3 by its shortlink (redirected to the permalink).
            most_read = (f'<aside><a href="{self.base}{self.front[0].upper_path}">الأكثر قراءة</a>'
                         f'<a href="{self.base}/?p=3">رابط مختصر</a></aside>')
            return 200, HTML, self.listing(self.front, "path",
                                           most_read + f'<a class="next" href="{self.base}/page/2/">التالي</a>')
        if path == "/page/2/":
            return 200, HTML, self.listing(self.hidden, "raw_path")
        if path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nAllow: /\n"
        if path == "/sitemap.xml":
            locs = "".join(f"<url><loc>{self.base}{p.upper_path}</loc></url>" for p in self.hidden)
            return 200, "application/xml", ('<?xml version="1.0" encoding="UTF-8"?><urlset '
                                            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>')
        for post in self.posts:
            if unquote(path) == post.raw_path:
                if path != post.path:  # WordPress's redirect_canonical()
                    return 301, HTML, "", {"Location": f"{self.base}{post.path}"}
                return 200, HTML, self.post_html(post)
        return 404, HTML, "<h1>الصفحة غير موجودة</h1>"

    def served_posts(self) -> list[str]:
        """Post URLs requested in the site's own spelling (each answered in full or 304)."""
        own = {p.path for p in self.posts}
        return [t for t in self.requests if t in own]

    def other_spellings(self) -> list[str]:
        own = {p.path for p in self.posts}
        return [t for t in self.requests if t not in own and t.startswith("/20")]


class StrictQuerySite:
    """Articles at /article.php?id=N&cat=C, served only with the parameters in that order
    (a script that reads the raw query string); any other order is a 404."""

    def __init__(self, n: int = 5) -> None:
        self.ids = list(range(1, n + 1))
        self.base = ""
        self.requests: list[str] = []
        self.lock = threading.Lock()

    @staticmethod
    def query(n: int) -> str:
        return f"id={n}&cat={n % 3 + 1}"

    def render(self, target: str) -> tuple[int, str, str]:
        with self.lock:
            self.requests.append(target)
        parts = urlsplit(target)
        if parts.path == "/":
            # Some links carry a tracking parameter or a fragment, which are never sent.
            links = "".join(
                f'<li><a href="/article.php?{self.query(n)}{"&utm_source=home" if n % 2 else "#comments"}">'
                f"خبر رقم {n}: تطورات جديدة في ملف الاقتصاد</a></li>" for n in self.ids)
            return 200, HTML, f'<html lang="ar"><body><ul>{links}</ul></body></html>'
        if parts.path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nAllow: /\n"
        if parts.path == "/article.php":
            n = next((n for n in self.ids if parts.query == self.query(n)), None)
            if n is not None:
                body = "".join(f"<p>{html.escape(s)} والخبر رقم {n}.</p>" for s in SENTENCES[:4])
                return 200, HTML, (f'<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>خبر {n}</title>'
                                   f"</head><body><article><h1>خبر رقم {n}: تطورات جديدة في ملف الاقتصاد</h1>"
                                   f'<div class="date">تاريخ النشر: 12 سبتمبر 2023</div>'
                                   f'<div class="article-body">{body}</div></article></body></html>')
        return 404, HTML, "<h1>الصفحة غير موجودة</h1>"
