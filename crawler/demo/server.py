"""Serves a demo site (or any object with ``render(path)``) on 127.0.0.1 like a real web
server: conditional GETs (ETag / Last-Modified → 304), keep-alive, and a count of requests
per path so tests can prove what was (not) fetched."""

from __future__ import annotations

import hashlib
import sys
import threading
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit


class SiteServer:
    """Serves a :class:`NewsSite` (or any ``render``-able object) on 127.0.0.1."""

    def __init__(self, site: Any, port: int = 0) -> None:
        self.site = site
        self.hits: dict[str, int] = {}
        self.served: list[tuple[str, int]] = []  # (path, status) of every response
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with server.lock:
                    key = unquote(urlsplit(self.path).path)
                    server.hits[key] = server.hits.get(key, 0) + 1
                # render may add a 4th element: extra headers, which override the defaults
                # (a lying Content-Length, Content-Encoding, Location, Connection: close).
                # A site that answers by who asks (user agent…) has render_request instead.
                by_request = getattr(server.site, "render_request", None)
                status, ctype, body, *extra = (by_request(self.path, self.headers) if by_request
                                               else server.site.render(self.path))
                headers = {"Content-Type": ctype, **(extra[0] if extra else {})}
                data = body.encode("utf-8") if isinstance(body, str) else body
                etag = f'"{hashlib.sha1(data).hexdigest()[:16]}"'
                modified = getattr(server.site, "last_modified", lambda _: None)(self.path)
                if status == 200 and self._not_modified(etag, modified):
                    status, data = 304, b""
                with server.lock:
                    server.served.append((key, status))
                if status in (200, 304):
                    headers.setdefault("ETag", etag)
                    if modified is not None:
                        headers.setdefault("Last-Modified", format_datetime(modified, usegmt=True))
                if status == 304:
                    headers.pop("Content-Length", None)
                headers.setdefault("Content-Length", str(len(data)))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
                if headers.get("Connection") == "close":
                    self.close_connection = True

            def _not_modified(self, etag: str, modified: datetime | None) -> bool:
                """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
                if_none_match = self.headers.get("If-None-Match")
                if if_none_match is not None:
                    return etag in [t.strip() for t in if_none_match.split(",")] or if_none_match == "*"
                since = self.headers.get("If-Modified-Since")
                if since and modified is not None:
                    try:
                        return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
                    except (TypeError, ValueError):
                        return False
                return False

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                # A crawler killed or giving up mid-response (tests do both) is no server error.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.httpd = Server(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        if hasattr(site, "base"):
            site.base = self.url
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def article_hits(self) -> int:
        """Requests for article pages (canonical and AMP), whatever the answer."""
        return sum(n for path, n in self.hits.items() if path.startswith(("/news/", "/amp/")))

    def article_fetches(self) -> list[str]:
        """Article paths served in full (200), in order; a 304 is not a fetch."""
        return [p for p, status in self.served if status == 200 and p.startswith(("/news/", "/amp/"))]

    def not_modified(self) -> int:
        return sum(1 for _, status in self.served if status == 304)

    def reset_counts(self) -> None:
        with self.lock:
            self.hits.clear()
            self.served.clear()
