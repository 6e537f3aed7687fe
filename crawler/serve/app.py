"""``rasd serve``: the read-only web app (Starlette, Jinja2, uvicorn), assembled from its
route groups.

Routes: ``/`` search, ``/article/{id}``, ``/sites`` dashboard, ``/runs``, ``/login``
(crawler.serve.pages); ``/feed.atom`` and ``/export.jsonl|csv`` of any search
(crawler.serve.downloads); ``/api/…`` (crawler.serve.api); ``/healthz``, ``/metrics`` and
``/static`` (here). No route writes to the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ExceptionHandler

from crawler.serve import reads
from crawler.serve.access import StoreAccess, StoreDown
from crawler.serve.api import api_routes
from crawler.serve.context import HERE, AppContext, ServeConfig, wants_json
from crawler.serve.downloads import download_routes
from crawler.serve.metrics import render_metrics, store_down_metrics
from crawler.serve.pages import login_routes, page_routes
from crawler.serve.params import BadRequest
from crawler.serve.security import SecurityMiddleware, authorised

__all__ = ["ServeConfig", "create_app"]


def create_app(config: ServeConfig) -> Starlette:
    ctx = AppContext(config, StoreAccess(config.db))
    routes: list[BaseRoute] = [*page_routes(ctx), *download_routes(ctx), *api_routes(ctx), *monitoring_routes(ctx),
                               *login_routes(ctx), *static_routes()]
    app = Starlette(routes=routes, exception_handlers=error_handlers(ctx), lifespan=_lifespan(ctx.access))
    app.add_middleware(SecurityMiddleware, token=config.token)
    app.state.access = ctx.access
    return app


def monitoring_routes(ctx: AppContext) -> list[Route]:
    """``/healthz`` for a load balancer and ``/metrics`` for Prometheus."""
    config, access = ctx.config, ctx.access

    async def healthz(request: Request) -> Response:
        await access.run(reads.ping)
        return JSONResponse({"status": "ok"})

    async def metrics(request: Request) -> Response:
        body = await access.run(render_metrics, config.sites, config.db, config.spool)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")

    return [Route("/healthz", healthz), Route("/metrics", metrics)]


def static_routes() -> list[Mount]:
    return [Mount("/static", StaticFiles(directory=HERE / "static"), name="static")]


def error_handlers(ctx: AppContext) -> dict[Any, ExceptionHandler]:
    """A bad request, the store being down and a missing page, each answered in the form the
    route speaks: JSON for the API, plain text for feeds and exports, a page otherwise."""
    config, page = ctx.config, ctx.page

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

    async def not_found(request: Request, exc: Exception) -> Response:
        if wants_json(request):
            return JSONResponse({"error": "not found"}, 404)
        return page(request, "error.html", 404, title="غير موجود", message=request.url.path[:200])

    return {BadRequest: bad_request, StoreDown: store_down, 404: not_found}


def _lifespan(access: StoreAccess) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        access.close()

    return lifespan
