"""Telling *blocked* from *broken*: a site that refuses us (401/403/429, a bot challenge, a
feed emptied for non-browser clients) needs different help than one whose feed moved or
whose markup changed. Many news sites answer home networks normally and datacenter
addresses — where a scheduled crawler runs — with a challenge, so the difference decides
what a user should do next.

Every marker lives here, as data; the spider, the site check, run records and health only
ask :func:`blocked_by` and read :data:`ADVICE`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BLOCKING_STATUSES = {401: "http_401", 403: "http_403", 429: "http_429"}
# A challenge page may come with any of these statuses (Cloudflare answers 403 or 503,
# DataDome 403, Akamai 403, some answer 200 with an interstitial).
CHALLENGE_STATUSES = (200, 202, 401, 403, 429, 503)
MARKER_WINDOW = 16 * 1024  # challenge pages are small, their markers near the top; bounds the cost


@dataclass(frozen=True)
class Marker:
    vendor: str
    where: str  # "body" or the lower-case name of a response header
    needle: str  # lower-case text looked for
    # Strong markers appear only on challenge pages; weak ones also on ordinary pages of a
    # protected site (a comment form's captcha, a vendor's script), so they count only
    # together with a refusing status.
    strong: bool = True


MARKERS: tuple[Marker, ...] = (
    # Cloudflare's managed challenge / "I'm under attack" interstitial and its block page.
    Marker("Cloudflare", "cf-mitigated", "challenge"),
    Marker("Cloudflare", "body", "cf-chl"),
    Marker("Cloudflare", "body", "cf_chl_opt"),
    Marker("Cloudflare", "body", "<title>just a moment...</title>"),
    Marker("Cloudflare", "body", "<title>just a moment…</title>"),
    Marker("Cloudflare", "body", "attention required! | cloudflare"),
    Marker("Cloudflare", "body", "challenges.cloudflare.com", strong=False),
    # Akamai's refusal page ("Access Denied … Reference #18.…").
    Marker("Akamai", "body", "errors.edgesuite.net"),
    Marker("Akamai", "server", "akamaighost", strong=False),
    # DataDome's captcha page; its header is on every response of a protected site.
    Marker("DataDome", "body", "captcha-delivery.com"),
    Marker("DataDome", "x-datadome", "", strong=False),
    # Imperva/Incapsula, PerimeterX, Sucuri.
    Marker("Imperva", "body", "incapsula incident id"),
    Marker("Imperva", "body", "_incapsula_resource", strong=False),
    Marker("PerimeterX", "body", "px-captcha"),
    Marker("Sucuri", "body", "sucuri website firewall"),
    # Any other captcha wall served instead of the page.
    Marker("a captcha", "body", "g-recaptcha", strong=False),
    Marker("a captcha", "body", "h-captcha", strong=False),
)

# Error kinds (crawler.errors.record_error) that mean "refused", each with what to try; run
# records, health and alerts tell them from failures by this table alone.
ADVICE = {
    "http_401": "the site asks for credentials: it is not public to this client",
    "http_403": ("the site refuses this client: sites often refuse datacenter and cloud "
                 "addresses, so try from another network; `render = true` (a real browser) "
                 "passes some checks"),
    "http_429": ("the site rate-limits us: raise download_delay for this site, lower "
                 "CONCURRENT_REQUESTS_PER_DOMAIN, or crawl less often"),
    "challenge": ("a bot challenge is served instead of the page: try `render = true` (a real "
                  "browser solves some challenges), another network (datacenter addresses are "
                  "challenged most), or a slower rate"),
    "bot_filtered_feed": ("the feed is empty for Rasd's user agent but full for a browser's: the site "
                   "filters bots; crawl its listing pages (start_urls, with render = true if "
                   "needed), or ask the site before setting USER_AGENT"),
}

# What a browser sends; only used to tell an empty feed from one emptied for bots.
BROWSER_HEADERS = {
    "User-Agent": ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/131.0.0.0 Safari/537.36"),
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "ar,en;q=0.8",
}


def challenge_vendor(headers: dict[str, str], body: bytes, refused: bool = False) -> str | None:
    """Which bot-protection vendor's challenge this response is, if any: strong markers
    always, weak ones only when the status already refused us. ``headers`` keys are
    lower-case."""
    head = body[:MARKER_WINDOW].lower()  # bytes: no decoding of every page fetched
    for marker in MARKERS:
        if not (marker.strong or refused):
            continue
        if marker.where == "body":
            if marker.needle.encode() in head:
                return marker.vendor
        elif marker.where in headers and marker.needle in headers[marker.where].lower():
            return marker.vendor
    return None


def blocked_by(status: int, headers: dict[str, str], body: bytes) -> tuple[str, str] | None:
    """``(kind, evidence)`` when the response is a refusal rather than content: a
    challenge page (any usual status) or a 401/403/429. The kind is one of :data:`ADVICE`."""
    refused = status in BLOCKING_STATUSES or status == 503
    vendor = challenge_vendor(headers, body, refused) if status in CHALLENGE_STATUSES else None
    if vendor:
        return "challenge", f"HTTP {status} with {vendor}'s bot challenge page"
    if status in BLOCKING_STATUSES:
        return BLOCKING_STATUSES[status], f"HTTP {status}"
    return None


def response_headers(response: object) -> dict[str, str]:
    """A Scrapy response's headers as a plain lower-case dict (first value of each)."""
    out: dict[str, str] = {}
    for name, values in getattr(response, "headers", {}).items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        value = values[0] if values else b""
        out[key.lower()] = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return out


def blocked_response(response: object) -> tuple[str, str] | None:
    """:func:`blocked_by` for a Scrapy response."""
    return blocked_by(getattr(response, "status", 200), response_headers(response),
                      getattr(response, "body", b""))


def is_blocked_kind(kind: str) -> bool:
    return kind in ADVICE


def advice_for(kinds: Iterable[str]) -> str:
    """What to try for these error kinds; the kinds that are no refusal are ignored."""
    return "; ".join(dict.fromkeys(ADVICE[k] for k in kinds if k in ADVICE))
