"""Stage 4 — read-also: canonical, deduplicated links, never back to the article itself.

Each kept link also carries, under :data:`LINKED`, the URL as the page wrote it: what the
site serves, so what the spider requests when it follows the link. The stage never
schedules requests; :meth:`pipelines.offline.OfflineStages.run` takes those spellings off
the article and hands them to the spider's callback, which follows them (depth-limited).
"""

from __future__ import annotations

from crawler.items import Article
from crawler.stats import READ_ALSO_LINKS
from crawler.urls import is_valid_url
from pipelines.base import Stage

LINKED = "linked"  # link key: the URL as the page wrote it; never stored (taken off by OfflineStages)


class ReadAlsoPipeline(Stage):
    def process_item(self, item: Article) -> Article:
        own = {self.canonical(item, item["url"]),
               *(self.canonical(item, u) for u in item.get("aliases") or ())}
        if item.get("final_url"):
            own.add(self.canonical(item, item["final_url"]))
        links, seen = [], set(own)
        for link in item.get("read_also") or []:
            if not is_valid_url(link["url"]):
                continue
            url = self.canonical(item, link["url"])
            if url in seen:
                continue
            seen.add(url)
            links.append({**link, "url": url, LINKED: link["url"]})
        item["read_also"] = links
        self.inc(READ_ALSO_LINKS, len(links))
        return item
