"""Any search of ``rasd serve`` as a download: its Atom feed (``/feed.atom``) and the whole
result as JSON Lines or CSV (``/export.jsonl``, ``/export.csv``), streamed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from itertools import islice
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from crawler.serve import reads, views
from crawler.serve.access import StoreAccess
from crawler.serve.context import AppContext
from crawler.serve.feed import atom_feed
from crawler.serve.params import BadRequest, Search, parse_search, unpaged
from crawler.storage.query import PUBLIC_FIELDS, public

FEED_SIZE = 50
EXPORT_BATCH = 500
CSV_LISTS = {"authors", "tags"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def download_routes(ctx: AppContext) -> list[Route]:
    access = ctx.access

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

    return [Route("/feed.atom", feed), Route("/export.{fmt:str}", export)]


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
