"""What every route of ``rasd serve`` shares: its configuration, the store thread and the
templates, with the one way a page is rendered."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from crawler import __version__
from crawler.config import SiteConfig
from crawler.serve.access import StoreAccess
from crawler.serve.present import arabic_date, safe_href, shown, shown_url
from crawler.storage.query import iso

HERE = Path(__file__).parent


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


@dataclass
class AppContext:
    config: ServeConfig
    access: StoreAccess
    env: jinja2.Environment = field(default_factory=_environment)

    def page(self, request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("nav", name.removesuffix(".html"))
        return HTMLResponse(self.env.get_template(name).render(request=request, **context), code)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")
