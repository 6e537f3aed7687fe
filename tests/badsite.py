"""A news site that misbehaves in every way a real one does, served by tests.localsite's
SiteServer: the good articles of NewsSite plus one page (or feed, or sitemap) per fault.

``FAULTS`` says what each bad URL is and what a crawl must make of it: ``"stored"`` (the
page is recoverable and must end up stored, correctly decoded) or the error kind it must
be counted under in the run's stats.
"""

from __future__ import annotations

import functools
import gzip
import html
import io
import json
import time
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

from tests.localsite import NewsSite, Story, make_story

MB = 1024 * 1024
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
       b"\x00\x00IEND\xaeB`\x82")
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>&lol9;</link></item></channel></rss>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>x</title><link>&xxe;</link></item></channel></rss>"""

# path -> expected outcome: "stored", the error kind counted in rasd/errors/<kind>, or
# "tolerated" (no crash; whether anything is stored is the extractor's call)
FAULTS: dict[str, str] = {
    "/news/900/malformed": "stored",
    "/news/901/truncated-html": "stored",
    "/news/902/empty": "empty_page",
    "/news/903/whitespace": "empty_page",
    "/news/904/png-as-html": "not_html",
    "/news/905/pdf": "not_html",
    "/news/906/cp1256-labelled-utf8": "stored",
    "/news/907/utf8-labelled-cp1256": "stored",
    "/news/908/cp1256-undeclared": "stored",
    "/news/909/huge": "too_large",
    "/news/910/gzip-bomb": "too_large",
    "/news/911/redirect-loop": "redirect_loop",
    "/news/913/self-redirect": "redirect_loop",
    "/news/914/redirect-chain": "redirect_loop",
    "/news/920/not-found": "http_404",
    "/news/921/server-error": "http_500",
    "/news/922/unavailable": "http_503",
    "/news/923/forbidden": "http_403",
    "/news/924/timeout": "timeout",
    "/news/925/cut-transfer": "truncated",
    "/news/930/hijri-date": "no_date",  # stored, without the absurd date
    "/news/931/future-date": "no_date",
    "/news/932/impossible-date": "no_date",
    "/news/933/nul-bytes": "stored",
    "/news/934/deep-nesting": "tolerated",  # libxml2 stops at depth 256: stored or no_text
    "/news/935/json": "not_html",
    "/news/936/script-only": "no_text",
    "/news/937/entity-bomb-html": "stored",
    "/news/938/control-chars": "stored",
    "/feeds/bomb.xml": "feed",
    "/feeds/xxe.xml": "feed",
    "/feeds/html.xml": "feed",
    "/feeds/truncated.json": "feed",
    "/feeds/truncated.xml": "stored",  # the entries before the cut are still read
    "/sitemaps/garbage.xml": "sitemap",
    "/sitemaps/empty.xml": "sitemap",
}
# Titles the charset pages must be stored with (decoded correctly, not mojibake).
CHARSET_TITLES = {906: "عنوان بترميز ويندوز ٢٥٦ معلن خطأ", 907: "عنوان بترميز يونيكود معلن خطأ",
                  908: "عنوان بترميز ويندوز دون إعلان"}


class BadInputSite(NewsSite):
    def __init__(self, timeout_after: float = 6.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timeout_after = timeout_after
        self.bomb = _gzip(b"\0" * (64 * MB))  # 64 MiB of zeros in ~64 KiB

    def feeds(self) -> list[str]:
        return [f"{self.base}/rss.xml", *(f"{self.base}{p}" for p in FAULTS if p.startswith("/feeds/"))]

    def sitemaps(self) -> list[str]:
        return [f"{self.base}/sitemap.xml",
                *(f"{self.base}{p}" for p in FAULTS if p.startswith("/sitemaps/"))]

    def listing_html(self, page: int) -> str:
        page_html = super().listing_html(page)
        if page != 1:
            return page_html
        links = "".join(f'<a href="{p}">رابط {i}</a>' for i, p in enumerate(FAULTS) if p.startswith("/news/"))
        return page_html.replace("</main>", f'<section class="more">{links}</section></main>')

    def story_page(self, i: int, title: str | None = None, date_line: str | None = None) -> str:
        story = make_story(i, self.now)
        if title:
            story.title = title
        page = self.article_html(story)
        if date_line is not None:
            start = page.index('<div class="date">')
            end = page.index("</div>", start)
            page = page[:start] + f'<div class="date">تاريخ النشر: {date_line}' + page[end:]
        return page

    def render(self, path: str) -> tuple[Any, ...]:
        bare = path.split("?")[0]
        if bare not in FAULTS and not bare.startswith("/news/912/"):
            return super().render(path)
        h = "text/html; charset=utf-8"
        n = int(bare.split("/")[2]) if bare.startswith("/news/") else 0
        if n == 900:
            page = self.story_page(900).replace("</p>", "", 3).replace("<h1", "<h1><p><b", 1)
            return 200, h, page.replace("</div>", "</span></div></td>") + "<div <p>&#xZZZ; &nosuch; <"
        if n == 901:
            page = self.story_page(901)
            return 200, h, page[: page.index("</p>", page.index("article-body")) + 200]
        if n == 902:
            return 200, h, b""
        if n == 903:
            return 200, h, "  \n\t \r\n  "
        if n == 904:
            return 200, h, PNG
        if n == 905:
            return 200, "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" * 50
        if n in CHARSET_TITLES:
            page = self.story_page(n, CHARSET_TITLES[n])
            if n == 906:
                return 200, h, page.encode("cp1256", "xmlcharrefreplace")
            if n == 907:
                page = page.replace('<meta charset="utf-8">', '<meta charset="windows-1256">')
                return 200, "text/html; charset=windows-1256", page.encode("utf-8")
            return 200, "text/html", page.replace('<meta charset="utf-8">', "").encode("cp1256", "xmlcharrefreplace")
        if n == 909:
            filler = "<p>" + "ح" * 1000 + "</p>"
            return 200, h, self.story_page(909).replace("</article>", filler * (9 * MB // 2000) + "</article>")
        if n == 910:
            return 200, h, self.bomb, {"Content-Encoding": "gzip"}
        if n in (911, 912):
            other = "/news/912/loop-back" if n == 911 else "/news/911/redirect-loop"
            return 302, h, "", {"Location": other}
        if n == 913:
            return 301, h, "", {"Location": bare}
        if n == 914:
            hop = int(path.split("hop=")[1]) if "hop=" in path else 0
            return 302, h, "", {"Location": f"{bare}?hop={hop + 1}"}
        if n in (920, 921, 922, 923):
            status = {920: 404, 921: 500, 922: 503, 923: 403}[n]
            return status, h, self.layout("خطأ", f"<h1>خطأ {status}</h1>")
        if n == 924:
            time.sleep(self.timeout_after)
            return 200, h, self.story_page(924)
        if n == 925:
            page = self.story_page(925).encode("utf-8")
            return 200, h, page[: len(page) // 2], {"Content-Length": str(len(page)), "Connection": "close"}
        if n == 930:
            return 200, h, self.story_page(930, date_line="1445-03-01")
        if n == 931:
            return 200, h, self.story_page(931, date_line="12 سبتمبر 2099")
        if n == 932:
            return 200, h, self.story_page(932, date_line="32/13/2023 25:61")
        if n == 933:
            return 200, h, self.story_page(933).replace("وذكرت", "وذكرت\x00", 2)
        if n == 934:
            return 200, h, self.story_page(934).replace("<main>", "<main>" + "<div>" * 5000)
        if n == 935:
            return 200, "application/json", '{"title": "ليس صفحة", "items": [1, 2, 3]}'
        if n == 936:
            return 200, h, "<html><head><script>var a = 1;</script></head><body><script>x()</script></body></html>"
        if n == 937:
            bomb = BILLION_LAUGHS.split("<rss")[0].replace('<?xml version="1.0"?>', "")
            return 200, h, bomb + self.story_page(937).replace("<h1", "<p>&lol9;</p><h1", 1)
        if n == 938:
            return 200, h, self.story_page(938).replace("وذكرت", "\x01\x02\x1b[31m\u202e\ufeff\ud7ff وذكرت")
        if bare == "/feeds/bomb.xml":
            return 200, "application/rss+xml", BILLION_LAUGHS
        if bare == "/feeds/xxe.xml":
            return 200, "application/rss+xml", XXE
        if bare == "/feeds/html.xml":
            return 200, "application/rss+xml", self.listing_html(2)
        if bare == "/feeds/truncated.json":
            return 200, "application/feed+json", '{"version": "https://jsonfeed.org/version/1", "items": [{"url": '
        if bare == "/feeds/truncated.xml":
            return 200, "application/rss+xml", self.rss()[: len(self.rss()) // 2]
        if bare == "/sitemaps/garbage.xml":
            return 200, "application/xml", b"\x00\xff<urlset><url><loc>" + bytes(range(256))
        if bare == "/sitemaps/empty.xml":
            return 200, "application/xml", '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>'
        raise AssertionError(f"no fault for {path}")


def _gzip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as fh:
        fh.write(data)
    return buf.getvalue()


# Control characters written as references, each of which once made trafilatura drop the body.
CONTROL_REFS = {940: "&#11;", 941: "&#12;", 942: "&#1;", 943: "&#27;", 944: "&#x1c;"}
TERMINAL_TITLE = "\x1b]0;PWNED\x07\x1b[2J\u202eعنوان خبيث"  # sets the window title, clears, reverses
HUGE = 20_000  # links on the huge listing, entries in the huge feed


class HostileSite(NewsSite):
    """What a hostile (or just enormous) site serves, besides its ordinary articles:

    * ``/news/94x``: stories with a control character written as a reference (CONTROL_REFS),
      and ``/news/945`` whose headline (and JSON-LD) carries terminal escapes;
    * ``/huge``: a listing with HUGE article links; ``/huge.xml``: a feed with HUGE dated
      entries (``huge``; the newest is ``/news/{10000 + huge - 1}``); any ``/news/N`` is served;
    * ``/sitemaps/chain-N.xml``: a sitemap index whose only child is chain-(N+1), for ever;
      ``/sitemaps/wide.xml``: an index of 500 sitemaps;
    * ``/redos``: a listing whose one link makes ``(a+)+$`` backtrack for hours.
    """

    def __init__(self, huge: int = HUGE, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.huge = huge

    def story(self, i: int) -> Story:
        story = self.stories.get(i) or make_story(i, self.now)
        if 10_000 <= i:  # the huge feed's entries: one hour apart, the highest id newest
            story.published = self.now - timedelta(hours=10_000 + self.huge - i)
        return story

    @functools.cache  # noqa: B019 — one site per test, kept for the server's lifetime
    def huge_page(self, path: str) -> bytes:
        if path == "/huge":
            links = "".join(f'<a href="/news/{10_000 + i}/x">خبر {i}</a>' for i in range(self.huge))
            return self.layout("كل الأخبار", links).encode()
        start = self.now - timedelta(hours=self.huge)
        items = "".join(
            f"<item><title>خبر {i}</title><link>{self.base}/news/{10_000 + i}/x</link>"
            f"<pubDate>{format_datetime(start + timedelta(hours=i))}</pubDate></item>"
            for i in range(self.huge))
        return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()

    def render(self, path: str) -> tuple[Any, ...]:
        bare = path.split("?")[0]
        h = "text/html; charset=utf-8"
        parts = bare.split("/")
        if len(parts) >= 3 and parts[1] == "news" and parts[2].isdigit():
            n = int(parts[2])
            page = self.article_html(self.story(n))
            if n in CONTROL_REFS:
                page = page.replace("وذكرت", CONTROL_REFS[n] + "وذكرت")
            if n == 945:
                ld = json.dumps({"@type": "NewsArticle", "headline": TERMINAL_TITLE,
                                 "author": {"name": "\u202eكاتب"}})
                page = page.replace(html.escape(self.story(n).title), html.escape(TERMINAL_TITLE)).replace(
                    "</head>", f'<script type="application/ld+json">{ld}</script></head>')
            return 200, h, page
        if bare == "/huge":
            return 200, h, self.huge_page(bare)
        if bare == "/huge.xml":
            return 200, "application/rss+xml", self.huge_page(bare)
        if bare.startswith("/sitemaps/chain-"):
            n = int(bare.removeprefix("/sitemaps/chain-").removesuffix(".xml"))
            return 200, "application/xml", _index([f"{self.base}/sitemaps/chain-{n + 1}.xml"])
        if bare == "/sitemaps/wide.xml":
            return 200, "application/xml", _index([f"{self.base}/sitemaps/part-{i}.xml" for i in range(500)])
        if bare.startswith("/sitemaps/part-"):
            return 200, "application/xml", self.news_sitemap()
        if bare == "/redos":
            return 200, h, self.layout("فخ", f'<a href="/{"a" * 34}!">فخ</a><a href="{self.story(1).path}">خبر</a>')
        return super().render(path)


def _index(locs: list[str]) -> str:
    return ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs) + "</sitemapindex>")
