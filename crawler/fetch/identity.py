"""Which page a request is for, whatever its spelling.

Requests go to URLs as sites wrote them (:func:`crawler.urls.request_url`); the canonical
form stays the page's identity. Each request carries that identity in its meta (``KEY``),
Scrapy's duplicate filter fingerprints by it — so two spellings of one page are one fetch —
and redirects keep it up to date. A redirect to another spelling of the same page is the
server's preferred spelling, followed even though the page's identity was requested
already; a loop is a redirect back to a URL of the chain, spelt exactly as before.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy.downloadermiddlewares import redirect
from scrapy.exceptions import IgnoreRequest

from crawler.urls import canonical_url, is_valid_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

    from crawler.config import SiteConfig

KEY = "rasd_canonical"   # request meta: the canonical URL of the page requested
ORIGIN = "rasd_origin"   # request meta: the owning site's canonical origin (or None)


def identity_meta(site: SiteConfig, url: str) -> dict[str, Any]:
    """Request meta naming the page ``url`` (any spelling) is for on ``site``."""
    return {KEY: site.canonical(url), ORIGIN: site.canonical_origin or None}


def request_key(request: Request) -> str:
    """The canonical URL of the page a request is for (feeds, sitemaps and robots.txt,
    which carry no key, are canonicalised here)."""
    return request.meta.get(KEY) or canonical_url(request.url, origin=request.meta.get(ORIGIN))


def fetch_url(site: SiteConfig, key: str, linked: str, stored: dict[str, Any] | None) -> str:
    """Where to request an article: where the server last served it from when that is still
    the same page (its preferred spelling, after a redirect), else the URL as linked."""
    served = (stored or {}).get("final_url")
    return served if served and is_valid_url(served) and site.canonical(served) == key else linked


class CanonicalFingerprinter:
    """Scrapy's fingerprint (method, URL, body) with the canonical key as URL: w3lib's
    canonical form and ours differ (tracking parameters, AMP switches, www/http variants)."""

    def __init__(self, crawler: Crawler | None = None) -> None:
        self._cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CanonicalFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        found = self._cache.get(request)
        if found is None:
            data = {"method": request.method, "url": request_key(request), "body": (request.body or b"").hex()}
            found = self._cache[request] = hashlib.sha1(
                json.dumps(data, sort_keys=True).encode(), usedforsecurity=False).digest()
        return found


class _KeepsIdentity:
    """Redirect handling shared by Location and meta-refresh redirects."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            raise IgnoreRequest(f"redirections loop: {' -> '.join([*chain[-3:], redirected.url])}")
        redirected = super()._redirect(redirected, request, reason)  # type: ignore[misc]
        key = canonical_url(redirected.url, origin=request.meta.get(ORIGIN))
        if key == request_key(request):
            redirected.dont_filter = True  # the server's own spelling of the page requested
        else:
            redirected.meta[KEY] = key
        return redirected


class RedirectMiddleware(_KeepsIdentity, redirect.RedirectMiddleware):
    """Scrapy's, following ``Location`` as sent, with the page identity kept (see module)."""


class MetaRefreshMiddleware(_KeepsIdentity, redirect.MetaRefreshMiddleware):
    """Scrapy's, with the page identity kept (see module)."""
