"""The local Arabic news site for tests and benchmarks: the demo site (crawler/demo/, what
``rasd demo`` serves) and its server, plus a variant built by JavaScript for the rendering
tests."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from crawler.demo.server import SiteServer
from crawler.demo.site import MONTHS_EN, SENTENCES, TOPICS, NewsSite, Story, date_line, make_story, ordinal

__all__ = ["MONTHS_EN", "SENTENCES", "TOPICS", "JsNewsSite", "NewsSite", "SiteServer", "Story", "date_line",
           "make_story", "ordinal"]


APP_JS = r"""
(function () {
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  var app = document.getElementById("app");
  var path = decodeURIComponent(location.pathname);
  var m = path.match(/^\/news\/(\d+)/);
  var page = path === "/" ? 1 : Number((path.match(/^\/page\/(\d+)/) || [])[1] || 0);
  if (m) {
    fetch("/api/article/" + m[1] + ".json").then(function (r) { return r.json(); }).then(function (a) {
      document.title = a.title + " - " + a.site_name;
      var related = a.related.map(function (r) {
        return '<div class="related-item"><a href="' + esc(r.url) + '">' + esc(r.title) + "</a><p>" +
          esc(r.lead) + "</p></div>";
      }).join("");
      var tags = a.tags.map(function (t) { return '<a href="/tag/' + encodeURIComponent(t) + '">' + esc(t) + "</a>"; });
      app.innerHTML = '<article><h1 class="headline">' + esc(a.title) + "</h1>" +
        '<div class="date">تاريخ النشر: ' + esc(a.date_line) + "</div>" +
        '<div class="article-body">' + a.paragraphs.map(function (p) { return "<p>" + esc(p) + "</p>"; }).join("") +
        "</div>" + '<p class="source">المصدر: ' + esc(a.source) + "</p>" +
        '<div class="tags">كلمات دلالية: ' + tags.join(" ") + "</div>" +
        '<div class="read-also"><h3>إقرأ أيضاً:</h3>' + related + "</div></article>";
    });
  } else if (page) {
    fetch("/api/listing/" + page + ".json").then(function (r) { return r.json(); }).then(function (l) {
      var cards = l.stories.map(function (s) {
        return '<div class="card"><h2><a href="' + esc(s.url) + '">' + esc(s.title) + "</a></h2><p>" +
          esc(s.lead) + "</p></div>";
      }).join("");
      var next = l.next ? '<a class="next" href="' + esc(l.next) + '">التالي</a>' : "";
      app.innerHTML = '<section class="listing">' + cards + "</section>" + next;
    });
  }
})();
"""


class JsNewsSite(NewsSite):
    """The same site built in the browser: every HTML page is an empty shell whose script
    fetches the listing or article from a JSON endpoint and writes it into the page.

    The shell also asks for what a browser crawl should never fetch — a logo, a web font
    and a tracker on another host ("localhost" vs "127.0.0.1") — so tests can check the
    server's hit counts for them.
    """

    def __init__(self, *args: Any, js_listings: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failing_api: set[int] = set()  # story ids whose JSON endpoint answers 500
        # False: listings are server-built HTML (with a probe script only a browser fetches),
        # as on sites where only article pages need JavaScript.
        self.js_listings = js_listings

    def shell(self) -> str:
        third_party = self.base.replace("127.0.0.1", "localhost")
        menu = "".join(f'<li><a href="/section/{quote(t)}">{t}</a></li>' for t, _ in TOPICS)
        return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{self.name}</title>
<style>@font-face {{ font-family: "Naskh"; src: url("/static/naskh.woff2"); }}
body {{ font-family: "Naskh", serif; }}</style>
<script src="{third_party}/third-party/tracker.js"></script></head>
<body>
<header><img src="/static/logo.png" alt="{self.name}"><a href="/">{self.name}</a><nav><ul>{menu}</ul></nav></header>
<main id="app"><div class="loading">جار التحميل…</div></main>
<footer><p>جميع الحقوق محفوظة © {self.name} 2023</p></footer>
<script src="/static/app.js"></script>
</body></html>"""

    def article_json(self, s: Story) -> dict[str, Any]:
        pub = s.published
        related = [self.stories[r] for r in s.related if r in self.stories]
        return {
            "site_name": self.name, "title": s.title, "paragraphs": s.paragraphs,
            "date_line": f"{ordinal(pub.day)}, {MONTHS_EN[pub.month - 1]} {pub.year} GMT",
            "source": s.source, "tags": s.tags,
            "related": [{"url": r.path, "title": r.title, "lead": r.lead} for r in related],
        }

    def listing_json(self, page: int) -> dict[str, Any]:
        stories = self.ordered()
        chunk = stories[(page - 1) * self.per_page: page * self.per_page]
        pages = (len(stories) + self.per_page - 1) // self.per_page
        return {
            "stories": [{"url": s.path, "title": s.title, "lead": s.lead[:80]} for s in chunk],
            "next": f"/page/{page + 1}" if page < pages else None,
        }

    def render(self, path: str) -> tuple[int, str, str]:
        path = unquote(urlsplit(path).path)
        parts = path.split("/")
        as_json = "application/json; charset=utf-8"
        if path == "/static/app.js":
            return 200, "application/javascript; charset=utf-8", APP_JS
        if path.startswith(("/static/", "/third-party/")):
            return 200, "application/octet-stream", ""
        if path.startswith("/api/listing/") and path.endswith(".json") and parts[3][:-5].isdigit():
            return 200, as_json, json.dumps(self.listing_json(int(parts[3][:-5])), ensure_ascii=False)
        if path.startswith("/api/article/") and path.endswith(".json") and parts[3][:-5].isdigit():
            story = self.stories.get(int(parts[3][:-5]))
            if story and story.id in self.failing_api:
                return 500, as_json, "{}"
            if story:
                return 200, as_json, json.dumps(self.article_json(story), ensure_ascii=False)
            return 404, as_json, "{}"
        status, ctype, body = super().render(path)
        if ctype.startswith("text/html") and status == 200:
            if self.js_listings or parts[1] == "news":
                return status, ctype, self.shell()
            return status, ctype, body.replace("</body>", '<script src="/static/listing-probe.js"></script></body>')
        return status, ctype, body
