"""Local news sites that refuse a crawler the ways real ones do (issue 15), served by
tests.localsite's SiteServer: behind a Cloudflare-style managed challenge, and with a feed
that is empty unless the client looks like a browser (what several Arabic news sites serve
to datacenter addresses and non-browser user agents)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.localsite import NewsSite

# The shape of Cloudflare's managed-challenge interstitial (title, challenge options script,
# the cf-mitigated header): written for these tests, not copied from a real response.
CHALLENGE_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"><meta name="robots" content="noindex,nofollow">
<script>window._cf_chl_opt={cvId: '3', cZone: "127.0.0.1", cType: 'managed', cRay: '8f1a2b3c4d5e6f70'};
</script></head><body class="no-js"><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">127.0.0.1</h1><h2 class="h2" id="challenge-running">Verifying you are
human. This may take a few seconds.</h2><noscript><div class="h2">Enable JavaScript and cookies to
continue</div></noscript></div></div></body></html>"""
CHALLENGE_HEADERS = {"cf-mitigated": "challenge", "Server": "cloudflare", "Cache-Control": "no-store"}


class ChallengeSite(NewsSite):
    """Every page but robots.txt is a 403 challenge, as a datacenter address often gets."""

    def render(self, path: str) -> tuple[Any, ...]:
        if urlsplit(path).path == "/robots.txt":
            return super().render(path)
        return 403, "text/html; charset=UTF-8", CHALLENGE_PAGE, CHALLENGE_HEADERS


class BotFilteredFeedSite(NewsSite):
    """The feed answers 200 to everyone, with items only for a browser's user agent."""

    def render_request(self, path: str, headers: Any) -> tuple[Any, ...]:
        if urlsplit(path).path == "/rss.xml" and "Mozilla/" not in headers.get("User-Agent", ""):
            return (200, "application/rss+xml; charset=utf-8",
                    f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                    f"<title>{self.name}</title></channel></rss>")
        return self.render(path)
