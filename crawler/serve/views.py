"""What each page shows, gathered from the store in one call on a store thread
(``crawler.serve.access``): plain data for the templates and the JSON API."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from crawler.config import SiteConfig
from crawler.ops.health import SiteHealth
from crawler.ops.runs import RUN_COLUMNS, run_row
from crawler.serve import reads
from crawler.serve.charts import Bar, bar_chart
from crawler.serve.params import MAX_PAGE, Search
from crawler.serve.present import snippet, title
from crawler.storage.history import Change
from crawler.storage.query import iso, public
from crawler.storage.store import Store, utcnow

CHART_DAYS = 30
CHART_RUNS = 100
# Stored fields that are internals, not the article: signatures and search keys.
HIDDEN_FIELDS = {"_id", "minhash", "lsh", "title_norm", "body_norm", "tags_norm", "fingerprint"}


@dataclass
class Results:
    search: Search
    items: list[dict[str, Any]]
    snippets: list[Markup]
    titles: list[Markup]
    total: int
    facets: dict[str, int]
    exact: bool = True              # False: total is an estimate, shown as "about N"
    facets_exact: bool = True
    ranked_among: int | None = None  # relevance over the newest N matches only

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // self.search.size)))


def search_view(store: Store, search: Search) -> Results:
    # One store call gives the page, the total and the facets (counts per site, which ignore
    # the site filter, so a reader can widen a search limited to one site).
    page = reads.find_articles(store, replace(search.query, facets=True))
    return Results(search=search, items=page.items, total=page.total, facets=reads.shown_facets(page.facets or {}),
                   exact=page.exact, facets_exact=page.facets_exact, ranked_among=page.ranked_among,
                   snippets=[snippet(d) for d in page.items], titles=[title(d) for d in page.items])


@dataclass
class ArticleView:
    doc: dict[str, Any]
    fields: list[tuple[str, Any, str | None]]            # name, value, extraction layer
    read_also: list[dict[str, Any]]                       # url, title, stored, stored_as, id
    cluster: list[dict[str, Any]]
    changes: list[Change]


def article_view(store: Store, ref: str) -> ArticleView | None:
    doc = reads.get_article(store, ref)
    if doc is None:
        return None
    layers = doc.get("extraction") or {}
    fields = [(k, v, layers.get(k)) for k, v in doc.items() if k not in HIDDEN_FIELDS and k != "extraction"]
    return ArticleView(doc=doc, fields=fields, read_also=read_also(store, doc),
                       cluster=reads.cluster_members(store, doc["cluster_id"])
                       if doc.get("cluster_id") else [],
                       changes=reads.article_versions(store, doc))


def read_also(store: Store, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The article's read-also links, each marked as ``rasd article`` marks them: stored,
    stored as another URL, or not crawled; stored ones carry the id of their page."""
    links = [dict(link) for link in doc.get("read_also") or [] if isinstance(link, dict)]
    known = reads.known_articles(store, [link["url"] for link in links if link.get("url")])
    for link in links:
        url = link.get("url")
        target = known.get(url) if url else None
        link["stored"] = target is not None
        if target is not None:
            link["id"] = str(target["_id"])
            if target["url"] != link["url"]:
                link["stored_as"] = target["url"]
    return links


def article_json(view: ArticleView) -> dict[str, Any]:
    """The shape of ``rasd article --format json``."""
    out = public(view.doc)
    out["read_also"] = [{k: v for k, v in link.items() if k != "id"} for link in view.read_also]
    out["extraction"] = view.doc.get("extraction") or {}
    return out


@dataclass
class Dashboard:
    health: list[SiteHealth]
    per_site: dict[str, Markup]
    per_site_total: dict[str, int]
    articles_chart: Markup
    runs_chart: Markup
    errors_chart: Markup
    error_kinds: list[str]
    watches: list[dict[str, Any]]
    days: list[str] = field(default_factory=list)


def dashboard_view(store: Store, sites: list[SiteConfig], now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    first = (now - timedelta(days=CHART_DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    days = [(first + timedelta(days=i)).date().isoformat() for i in range(CHART_DAYS)]
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for site, day, n in reads.articles_per_day(store, first):
        counts[site][day] = n
    health = reads.site_health(store, sites)
    names = [h.site for h in health] + sorted(set(counts) - {h.site for h in health})
    per_site = {name: bar_chart([Bar(d, [("articles", counts[name].get(d, 0))]) for d in days],
                                f"articles-{name}", height=40, ticks=False) for name in names}
    totals = [Bar(d, [("articles", sum(c.get(d, 0) for c in counts.values()))]) for d in days]

    runs = reads.find_runs(store, since=first, limit=0)
    recent = list(reversed(runs[:CHART_RUNS]))
    runs_chart = bar_chart([Bar(f"{iso(r.get('started'))[:16].replace('T', ' ')} {r.get('site')} {r.get('status')}",
                                [(r.get("status") or "running", r.get("duration") or 0)]) for r in recent],
                           "runs", unit=" s")
    kinds: dict[str, dict[str, int]] = defaultdict(dict)
    for run in runs:
        day = iso(run.get("started"))[:10] if run.get("started") else ""
        for kind, n in (run.get("errors") or {}).items():
            kinds[kind][day] = kinds[kind].get(day, 0) + n
    error_kinds = sorted(kinds)
    errors_chart = bar_chart([Bar(d, [(f"k{i % 8}", kinds[k].get(d, 0)) for i, k in enumerate(error_kinds)])
                              for d in days], "errors")
    return Dashboard(health=health, per_site=per_site,
                     per_site_total={n: sum(counts[n].values()) for n in names},
                     articles_chart=bar_chart(totals, "articles"), runs_chart=runs_chart,
                     errors_chart=errors_chart, error_kinds=error_kinds, watches=reads.watches(store), days=days)


RUN_EXTRA = ("fetched", "spooled", "replayed", "not_modified", "read_also_links", "log_errors", "finish_reason",
             "host")


def runs_view(store: Store, site: str | None, status: str | None, limit: int) -> list[dict[str, Any]]:
    """Each run with the columns of ``rasd runs`` and the rest of its counters."""
    out = []
    for run in reads.find_runs(store, site=site, status=status, limit=limit):
        row = dict(zip(RUN_COLUMNS, run_row(run), strict=True))
        row.update({k: run.get(k) for k in RUN_EXTRA})
        row["errors_by_kind"] = run.get("errors") or {}
        row["error_samples"] = run.get("error_samples") or []
        row["responses"] = run.get("responses") or {}
        out.append(row)
    return out
