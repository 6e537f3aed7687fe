"""URL canonicalisation: the single definition of "the same URL" used everywhere.

Article URLs, links found on pages and read-also targets all pass through
:func:`canonical_url` so that dedup, incremental crawling and read-also resolution agree.
The canonical form is an identity, not an address: requests go to :func:`request_url`,
the URL as the site wrote it, since servers may answer only their own spelling.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, unquote_plus, urlencode, urljoin, urlsplit, urlunsplit

_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|ocid|mc_cid|mc_eid|yclid|igshid"
    r"|_ga|_gl|ref_src|ref_url|cmpid|ito|at_\w+|__twitter_impression|share|s_cid|ncid|sr_share)$",
    re.IGNORECASE,
)
# Query switches that only select the AMP rendering of the same page (?amp, ?amp=1,
# ?outputType=amp): the page without them is the canonical one.
_AMP_SWITCH = re.compile(r"^(amp|outputtype)$", re.IGNORECASE)
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Host prefixes under which sites serve the same pages: www. and AMP hosts (amp.).
_HOST_VARIANTS = ("www.", "amp.")


@lru_cache(maxsize=8192)
def canonical_url(url: str, base: str | None = None, origin: str | None = None) -> str:
    """Lower-case scheme/host, no fragment, no tracking or AMP-switch parameters, sorted query.

    Non-ASCII paths are percent-encoded the same way every time, so a link written with
    raw Arabic letters and one written percent-encoded compare equal. ``origin`` is the
    site's preferred ``scheme://host[:port]``: http/https, www/non-www and amp. variants
    of that host are rewritten to it, so every spelling of a site's URL compares equal.

    Cached: a crawl canonicalises the same URL several times (the spider, the parse and
    read-also stages, the links of every listing), and percent-decoding Arabic slugs is
    the costly part of it.
    """
    if base:
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "http"
    host = (parts.hostname or "").lower().rstrip(".")
    port = _port(scheme, parts.port)
    if origin:
        scheme, host, port = _unify(scheme, host, port, origin)
    if port:
        host = f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_SAFE_PATH) or "/"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not (_TRACKING.match(k) or (_AMP_SWITCH.match(k) and v.lower() in ("", "1", "true", "amp")))
    ]
    return urlunsplit((scheme, host, path, urlencode(sorted(query), doseq=True), ""))


def request_url(url: str) -> str:
    """The URL to ask the server for: exactly as the site wrote it (percent-escapes in its
    case, query parameters in its order), less what must never be fetched — the fragment
    and known tracking parameters.

    WordPress, for one, writes Arabic permalinks with lower-case escapes and redirects any
    other spelling to its own; a crawler that requests its canonical spelling instead
    makes the server redirect every page.
    """
    parts = urlsplit(url.strip())
    query = "&".join(
        pair for pair in parts.query.split("&")
        if not _TRACKING.match(unquote_plus(pair.split("=", 1)[0]))
    )
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _port(scheme: str, port: int | None) -> int | None:
    """The port when it is not the scheme's default (so http://h:80 equals http://h)."""
    return None if port == _DEFAULT_PORTS.get(scheme) else port


def bare_host(host: str) -> str:
    """Host without www./amp. prefixes: the same site whichever variant a link uses."""
    host = host.lower()
    while host.startswith(_HOST_VARIANTS):
        host = host.split(".", 1)[1]
    return host


def _unify(scheme: str, host: str, port: int | None, origin: str) -> tuple[str, str, int | None]:
    want = urlsplit(origin)
    want_scheme = want.scheme.lower()
    want_host = (want.hostname or "").lower()
    want_port = _port(want_scheme, want.port)
    if bare_host(host) != bare_host(want_host) or port != want_port:
        return scheme, host, port
    return want_scheme, want_host, want_port
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


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, in canonical spelling."""
    parts = urlsplit(canonical_url(url))
    return f"{parts.scheme}://{parts.netloc}"


# Runs of percent-encoded non-ASCII bytes: the UTF-8 letters of an Arabic slug.
_ENCODED_RUN = re.compile(r"(?:%[89A-Fa-f][0-9A-Fa-f])+")
# Decoded, these would read as something else or nothing (bidi marks, spaces, controls).
_KEEP_ENCODED = ("Cc", "Cf", "Zs", "Zl", "Zp")


def display_url(url: str) -> str:
    """The URL as people read it (IRI): Arabic letters instead of %D8%A7…, punycode hosts in
    Unicode. For human output only — stored and JSON URLs keep the encoded form. ASCII
    escapes (%20, %2F, %3F) and anything that is not clean UTF-8 stay encoded, so the
    result still means the same URL: :func:`canonical_url` turns it back into the stored form."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "xn--" in netloc.lower():
        try:
            netloc = netloc.encode("ascii").decode("idna")
        except UnicodeError:
            pass
    return urlunsplit((parts.scheme, netloc, *(_ENCODED_RUN.sub(_decode_run, p)
                                               for p in (parts.path, parts.query, parts.fragment))))


def url_from_input(text: str) -> str:
    """A URL as a user typed or pasted it, IRI or encoded, in the encoded form Rasd stores
    (punycode host, percent-encoded path); ids and other non-URLs unchanged."""
    text = text.strip()
    if not text.startswith(("http://", "https://")):
        return text
    from w3lib.url import safe_url_string

    return safe_url_string(text)


def _decode_run(match: re.Match[str]) -> str:
    try:
        text = unquote(match.group(0), errors="strict")
    except UnicodeDecodeError:
        return match.group(0)
    return match.group(0) if any(unicodedata.category(c) in _KEEP_ENCODED for c in text) else text

