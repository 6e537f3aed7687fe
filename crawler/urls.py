"""URL canonicalisation: the single definition of "the same URL" used everywhere.

Article URLs, links found on pages and read-also targets all pass through
:func:`canonical_url` so that dedup, incremental crawling and read-also resolution agree.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|ocid|mc_cid|mc_eid|yclid|igshid"
    r"|_ga|_gl|ref_src|ref_url|cmpid|ito|at_\w+|__twitter_impression|share|s_cid|ncid|sr_share)$",
    re.IGNORECASE,
)
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"


def canonical_url(url: str, base: str | None = None) -> str:
    """Lower-case scheme/host, no fragment, no tracking parameters, sorted query.

    Non-ASCII paths are percent-encoded the same way every time, so a link written with
    raw Arabic letters and one written percent-encoded compare equal.
    """
    if base:
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "http"
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_SAFE_PATH) or "/"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    return urlunsplit((scheme, host, path, urlencode(sorted(query), doseq=True), ""))


def is_valid_url(url: str) -> bool:
    """An absolute http(s) URL that canonical_url can take: pages carry broken links
    (a port of Arabic words, an unclosed IPv6 bracket) on which urllib raises."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def join_url(base: str, href: str) -> str:
    """``href`` resolved against ``base``, or "" when the result is no valid URL (urljoin
    itself raises on some, e.g. an unclosed IPv6 bracket)."""
    try:
        url = urljoin(base, href.strip())
    except ValueError:
        return ""
    return url if is_valid_url(url) else ""


def same_site_host(url: str) -> str:
    """Host without a leading www., for comparing which site a URL belongs to."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host
