"""Stage 4 — read-also: canonical, deduplicated links, never back to the article itself.

Links to the same site are announced with the ``read_also_found`` signal so the spider
can crawl them (depth-limited), spelt as the page wrote them since that is what the site
serves; the stage itself never schedules requests.
"""

from __future__ import annotations

from crawler.items import Article
from crawler.signals import read_also_found
from crawler.stats import READ_ALSO_LINKS
from crawler.urls import is_valid_url
from pipelines.base import Stage


class ReadAlsoPipeline(Stage):
    def process_item(self, item: Article) -> Article:
        own = {self.canonical(item, item["url"]),
               *(self.canonical(item, u) for u in item.get("aliases") or ())}
        if item.get("final_url"):
            own.add(self.canonical(item, item["final_url"]))
        links, linked, seen = [], [], set(own)
        for link in item.get("read_also") or []:
            if not is_valid_url(link["url"]):
                continue
            url = self.canonical(item, link["url"])
            if url in seen:
                continue
            seen.add(url)
            links.append({**link, "url": url})
            linked.append(link)
        item["read_also"] = links
        self.inc(READ_ALSO_LINKS, len(links))
        if links and self.crawler is not None:
            self.crawler.signals.send_catch_log(read_also_found, item=item, links=linked)
        return item
