"""The HTML pages of ``rasd serve``: search, one article, the sites dashboard, runs, and the
sign-in page when a token guards the app."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from crawler.ops.runs import RUN_COLUMNS
from crawler.serve import views
from crawler.serve.context import AppContext
from crawler.serve.params import parse_runs, parse_search
from crawler.serve.security import COOKIE, authorised, safe_next, session_value


def page_routes(ctx: AppContext) -> list[Route]:
    config, access, page = ctx.config, ctx.access, ctx.page

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

    return [Route("/", search), Route("/article/{ref}", article), Route("/sites", dashboard), Route("/runs", runs)]


def login_routes(ctx: AppContext) -> list[Route]:
    config, page = ctx.config, ctx.page

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

    return [Route("/login", login, methods=["GET", "POST"])]
