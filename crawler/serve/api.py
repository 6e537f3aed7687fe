"""The JSON API of ``rasd serve``: ``/api/articles``, ``/api/article``, ``/api/sites``,
``/api/runs`` — what the pages show, for programs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crawler.ops.runs import public_run
from crawler.serve import reads, views
from crawler.serve.context import AppContext
from crawler.serve.params import BadRequest, parse_runs, parse_search
from crawler.storage.query import public


def api_routes(ctx: AppContext) -> list[Route]:
    config, access = ctx.config, ctx.access

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

    return [Route("/api/articles", api_articles), Route("/api/articles/{ref}", api_article),
            Route("/api/article", api_article), Route("/api/sites", api_sites), Route("/api/runs", api_runs)]
