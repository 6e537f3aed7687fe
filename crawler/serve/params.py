"""Query-string parameters of the search, feed, export and API: checked, capped, and turned
into an :class:`ArticleQuery`. Anything malformed is a :class:`BadRequest` naming the
parameter, which the app answers with 400 and the message (never a 500)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.datastructures import QueryParams

from crawler.serve.reads import ArticleQuery

MAX_QUERY_CHARS = 200
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_PAGE = 500
MAX_SITES = 50
_SITE = re.compile(r"[\w.-]{1,64}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2,4})?")
_STATUS = re.compile(r"[a-z]{2,20}")


class BadRequest(ValueError):
    """A parameter the app cannot use; the message says which and why."""


@dataclass(frozen=True)
class Search:
    """A search as the pages see it: the query plus the page number and size."""

    query: ArticleQuery
    page: int
    size: int

    def params(self, **changes: Any) -> dict[str, Any]:
        """The query string of this search (with ``changes``), for links: paging, facets, feed."""
        q = self.query
        out: dict[str, Any] = {
            "q": q.search or "", "site": list(q.sites), "lang": q.language or "",
            "since": q.since.date().isoformat() if q.since else "",
            "until": (q.until - timedelta(days=1)).date().isoformat() if q.until else "",
            "hide_duplicates": "1" if q.hide_duplicates else "", "page": self.page if self.page > 1 else "",
            "size": self.size if self.size != DEFAULT_PAGE_SIZE else "",
        }
        out.update(changes)
        return {k: v for k, v in out.items() if v not in ("", [], None)}


def _date(params: QueryParams, name: str) -> datetime | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"{name}: not a date (YYYY-MM-DD): {text[:40]!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _int(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    text = (params.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise BadRequest(f"{name}: not a whole number: {text[:20]!r}")
    value = int(text)
    if not low <= value <= high:
        raise BadRequest(f"{name}: must be between {low} and {high}, got {value}")
    return value


def parse_search(params: QueryParams, default_size: int = DEFAULT_PAGE_SIZE) -> Search:
    search = (params.get("q") or "").strip()
    if len(search) > MAX_QUERY_CHARS:
        raise BadRequest(f"q: the search is {len(search)} characters long; at most {MAX_QUERY_CHARS}")
    if "\x00" in search:
        raise BadRequest("q: contains a NUL character")
    sites = tuple(dict.fromkeys(s.strip() for s in params.getlist("site") if s.strip()))
    if len(sites) > MAX_SITES:
        raise BadRequest(f"site: at most {MAX_SITES} sites at once")
    for site in sites:
        if not _SITE.fullmatch(site):
            raise BadRequest(f"site: not a site name: {site[:40]!r}")
    language = (params.get("lang") or "").strip() or None
    if language and not _LANGUAGE.fullmatch(language):
        raise BadRequest(f"lang: not a language code such as ar or en: {language[:20]!r}")
    since, until = _date(params, "since"), _date(params, "until")
    if until is not None and len((params.get("until") or "").strip()) == 10:
        try:
            until += timedelta(days=1)  # a day given as the end includes that day
        except OverflowError as exc:
            raise BadRequest("until: out of range") from exc
    if since and until and since >= until:
        raise BadRequest("since: must be before until")
    hide = (params.get("hide_duplicates") or "").strip().lower()
    if hide not in ("", "0", "1", "true", "false", "on"):
        raise BadRequest(f"hide_duplicates: expected 1 or 0, got {hide[:10]!r}")
    size = _int(params, "size", default_size, 1, MAX_PAGE_SIZE)
    page = _int(params, "page", 1, 1, MAX_PAGE)
    query = ArticleQuery(sites=sites, since=since, until=until, search=search or None, language=language,
                         hide_duplicates=hide in ("1", "true", "on"),
                         sort="relevance" if search else "date", limit=size, offset=(page - 1) * size)
    return Search(query=query, page=page, size=size)


def unpaged(search: Search) -> ArticleQuery:
    """The whole result of a search (exports stream it all)."""
    return replace(search.query, limit=0, offset=0)


def parse_runs(params: QueryParams) -> tuple[str | None, str | None, int]:
    site = (params.get("site") or "").strip() or None
    if site and not _SITE.fullmatch(site):
        raise BadRequest(f"site: not a site name: {site[:40]!r}")
    status = (params.get("status") or "").strip() or None
    if status and not _STATUS.fullmatch(status):
        raise BadRequest(f"status: not a run status: {status[:20]!r}")
    return site, status, _int(params, "limit", 50, 1, 500)
