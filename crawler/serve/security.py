"""Security of every response: the token check (when the app listens beyond this machine)
and the headers that keep stored pages' hostile content inert in the browser.

The token is accepted as ``Authorization: Bearer …`` (API clients, Prometheus) or as the
cookie the login form sets. The cookie holds an HMAC of the token, not the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import quote

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp

COOKIE = "rasd_session"
# No inline script or style anywhere: script and CSS come from /static only.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_UNSAFE_NEXT = re.compile(r"[\x00-\x20\x7f\\]")
OPEN_PATHS = ("/login", "/static/", "/healthz")  # /healthz says only whether the store answers


def session_value(token: str) -> str:
    return hmac.new(token.encode(), b"rasd serve session", hashlib.sha256).hexdigest()


def authorised(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    cookie = request.cookies.get(COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), session_value(token).encode())


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path of this app only (no //host, no scheme)."""
    # Browsers drop tabs and newlines in URLs and read a backslash as a slash: "/\t/evil" and
    # "/\\evil" would be //evil, another host. Links made here are percent-encoded: no such bytes.
    if not target or not target.startswith("/") or target.startswith("//") or _UNSAFE_NEXT.search(target):
        return "/"
    return target


class SecurityMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: ASGIApp, token: str | None) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        if self.token and not path.startswith(OPEN_PATHS) and not authorised(request, self.token):
            response = self._refuse(request)
        else:
            response = await call_next(request)
        response.headers.update(HEADERS)
        return response

    @staticmethod
    def _refuse(request: Request) -> Response:
        path = request.url.path
        challenge = {"WWW-Authenticate": 'Bearer realm="rasd"'}
        if path.startswith("/api/"):
            return JSONResponse({"error": "token required: send Authorization: Bearer <token>"}, 401, challenge)
        if request.method == "GET" and not path.startswith(("/metrics", "/feed", "/export")):
            target = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)
        return PlainTextResponse("token required: send Authorization: Bearer <token>\n", 401, challenge)
