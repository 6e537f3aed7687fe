"""``rasd serve``: the read-only web app (Starlette, Jinja2, uvicorn).

Routes: ``/`` search, ``/article/{id}``, ``/sites`` dashboard, ``/runs``, ``/feed.atom`` and
``/export.jsonl|csv`` of any search, ``/api/…``, ``/healthz``, ``/metrics``, ``/login``.
No route writes to the store.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from crawler import __version__
from crawler.config import SiteConfig
from crawler.ops.runs import RUN_COLUMNS, public_run
from crawler.serve import reads, views
from crawler.serve.access import StoreAccess, StoreDown
from crawler.serve.feed import atom_feed
from crawler.serve.metrics import render_metrics, store_down_metrics
from crawler.serve.params import BadRequest, Search, parse_runs, parse_search, unpaged
from crawler.serve.present import arabic_date, safe_href, shown, shown_url
from crawler.serve.security import COOKIE, SecurityMiddleware, authorised, safe_next, session_value
from crawler.storage.query import PUBLIC_FIELDS, iso, public

HERE = Path(__file__).parent
FEED_SIZE = 50
EXPORT_BATCH = 500
CSV_LISTS = {"authors", "tags"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ServeConfig:
    db: str
    sites: list[SiteConfig] = field(default_factory=list)
    spool: str | None = None
    token: str | None = None


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(href=safe_href, shown_url=shown_url, arabic_date=arabic_date, iso=iso, shown=shown)
    env.globals.update(version=__version__, urlencode=lambda d: urlencode(d, doseq=True))
    return env


def create_app(config: ServeConfig) -> Starlette:
    access = StoreAccess(config.db)
    env = _environment()

    def page(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("nav", name.removesuffix(".html"))
        return HTMLResponse(env.get_template(name).render(request=request, **context), code)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    async def bad_request(request: Request, exc: Exception) -> Response:
        if wants_json(request):
            return JSONResponse({"error": str(exc)}, 400)
        if request.url.path.startswith(("/feed", "/export")):
            return Response(f"{exc}\n", 400, media_type="text/plain; charset=utf-8")
        return page(request, "error.html", 400, title="طلب غير صالح", message=str(exc))

    async def store_down(request: Request, exc: Exception) -> Response:
        if request.url.path == "/healthz" and config.token and not authorised(request, config.token):
            return JSONResponse({"status": "unavailable"}, 503)  # open to anyone: no store details
        if wants_json(request) or request.url.path == "/healthz":
            return JSONResponse({"status": "unavailable", "error": str(exc)}, 503)
        if request.url.path == "/metrics":
            return Response(store_down_metrics(), 503, media_type="text/plain; version=0.0.4")
        return page(request, "error.html", 503, title="قاعدة البيانات غير متاحة", message=str(exc),
                    detail="ستعود الصفحة تلقائياً عند عودة قاعدة البيانات؛ أعد التحميل بعد قليل.")

    async def search(request: Request) -> Response:
        s = parse_search(request.query_params)
        results = await access.run(views.search_view, s)
        return page(request, "search.html", results=results, s=s, sites=config.sites,
                    feed=f"/feed.atom?{urlencode(s.params(page='', size=''), doseq=True)}")

    async def article(request: Request) -> Response:
        view = await access.run(views.article_view, request.path_params["ref"])
        if view is None:
            return page(request, "error.html", 404, title="مقال غير موجود",
                        message=f"no stored article {request.path_params['ref'][:100]!r}")
        return page(request, "article.html", v=view, a=view.doc)

    async def dashboard(request: Request) -> Response:
        board = await access.run(views.dashboard_view, config.sites)
        return page(request, "sites.html", d=board)

    async def runs(request: Request) -> Response:
        site, status, limit = parse_runs(request.query_params)
        rows = await access.run(views.runs_view, site, status, limit)
        return page(request, "runs.html", rows=rows, columns=RUN_COLUMNS, site=site or "", status=status or "",
                    limit=limit, sites=config.sites, statuses=("running", "ok", "degraded", "failed", "timeout",
                                                               "interrupted"))

    async def feed(request: Request) -> Response:
        s = parse_search(request.query_params, default_size=FEED_SIZE)
        # A feed is a search's newest matches, whatever the page's order.
        results = await access.run(views.search_view, Search(replace(s.query, offset=0, sort="date"), 1, s.size))
        summaries = [m.striptags() for m in results.snippets]  # a feed summary is plain text
        base = str(request.base_url)
        query = urlencode(s.params(page="", size=""), doseq=True)
        title = f"رصد: {s.query.search}" if s.query.search else "رصد: أحدث المقالات"
        body = atom_feed(title, str(request.url), f"{base}?{query}", base, results.items, summaries)
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    async def export(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in ("jsonl", "csv"):
            raise BadRequest(f"export: no format {fmt[:10]!r}; use export.jsonl or export.csv")
        query = unpaged(parse_search(request.query_params))
        await access.run(reads.ping)  # a store that is down is a 503 before the download starts
        lines = _export_lines(access, query, fmt)
        media = "application/x-ndjson" if fmt == "jsonl" else "text/csv; charset=utf-8"
        headers = {"Content-Disposition": f'attachment; filename="rasd-articles.{fmt}"'}
        return StreamingResponse(lines, media_type=media, headers=headers)

    async def api_articles(request: Request) -> Response:
        s = parse_search(request.query_params)
        results = await access.run(views.search_view, s)
        items = []
        for doc in results.items:
            item = public(doc)
            item.update({k: doc[k] for k in ("score", "snippet") if k in doc})
            items.append(item)
        return JSONResponse({"total": results.total, "total_exact": results.exact, "page": s.page, "size": s.size,
                             "pages": results.pages, "facets": results.facets, "facets_exact": results.facets_exact,
                             "ranked_among": results.ranked_among, "items": items})

    async def api_article(request: Request) -> Response:
        ref = (request.query_params.get("ref") or request.path_params.get("ref") or "").strip()
        if not ref or len(ref) > 2048:
            raise BadRequest("ref: an article id or URL is required (at most 2048 characters)")
        view = await access.run(views.article_view, ref)
        if view is None:
            return JSONResponse({"error": f"no stored article {ref[:100]!r}"}, 404)
        return JSONResponse(views.article_json(view))

    async def api_sites(request: Request) -> Response:
        health = await access.run(reads.site_health, config.sites)
        by_name = {s.name: s for s in config.sites}
        return JSONResponse([{"name": h.site, "title": by_name[h.site].title, "schedule": by_name[h.site].schedule,
                              "health": h.public()} for h in health])

    async def api_runs(request: Request) -> Response:
        site, status, limit = parse_runs(request.query_params)
        found = await access.run(reads.find_runs, site, status, limit)
        return JSONResponse([public_run(r) for r in found])

    async def healthz(request: Request) -> Response:
        await access.run(reads.ping)
        return JSONResponse({"status": "ok"})

    async def metrics(request: Request) -> Response:
        body = await access.run(render_metrics, config.sites, config.db, config.spool)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")

    async def login(request: Request) -> Response:
        target = safe_next(request.query_params.get("next"))
        if not config.token:
            return RedirectResponse(target, 303)
        if request.method == "POST":
            form = await request.form()
            token = str(form.get("token") or "")
            target = safe_next(str(form.get("next") or "/"))
            probe = Request({"type": "http", "headers": [(b"authorization", f"Bearer {token}".encode())]})
            if token and authorised(probe, config.token):
                response = RedirectResponse(target, 303)
                response.set_cookie(COOKIE, session_value(config.token), httponly=True, samesite="strict",
                                    secure=request.url.scheme == "https")
                return response
            return page(request, "login.html", 401, next=target, failed=True)
        return page(request, "login.html", next=target, failed=False)

    routes = [
        Route("/", search), Route("/article/{ref}", article), Route("/sites", dashboard), Route("/runs", runs),
        Route("/feed.atom", feed), Route("/export.{fmt:str}", export),
        Route("/api/articles", api_articles), Route("/api/articles/{ref}", api_article),
        Route("/api/article", api_article), Route("/api/sites", api_sites), Route("/api/runs", api_runs),
        Route("/healthz", healthz), Route("/metrics", metrics),
        Route("/login", login, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        if wants_json(request):
            return JSONResponse({"error": "not found"}, 404)
        return page(request, "error.html", 404, title="غير موجود", message=request.url.path[:200])

    app = Starlette(routes=routes, exception_handlers={BadRequest: bad_request, StoreDown: store_down,
                                                        404: not_found},
                    lifespan=_lifespan(access))
    app.add_middleware(SecurityMiddleware, token=config.token)
    app.state.access = access
    return app


def _lifespan(access: StoreAccess) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        access.close()

    return lifespan


async def _export_lines(access: StoreAccess, query: reads.ArticleQuery, fmt: str) -> AsyncIterator[bytes]:
    """The export, produced a batch at a time on the store thread: never the whole result in memory."""
    cursor = await access.run(reads.iter_articles, query)
    if fmt == "csv":
        yield _csv_row(["id", *PUBLIC_FIELDS])
    while True:
        batch = await access.run(lambda _store: list(islice(cursor, EXPORT_BATCH)))
        if not batch:
            return
        if fmt == "jsonl":
            yield "".join(json.dumps(public(d), ensure_ascii=False, default=str) + "\n" for d in batch).encode()
        else:
            yield b"".join(_csv_row(_csv_values(public(d))) for d in batch)


def _csv_values(article: dict[str, Any]) -> list[Any]:
    out = [article["id"]]
    for key in PUBLIC_FIELDS:
        value = article[key]
        if key in CSV_LISTS:
            value = " | ".join(map(str, value))
        elif key == "read_also":
            value = " ".join(link.get("url", "") for link in value if isinstance(link, dict))
        if isinstance(value, str) and value[:1] in _FORMULA:
            value = "'" + value  # a spreadsheet must not run a stored title as a formula
        out.append("" if value is None else value)
    return out


def _csv_row(values: list[Any]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue().encode("utf-8")
