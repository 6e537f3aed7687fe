"""Alerts: a JSON POST to the alert webhook (RASD_ALERT_WEBHOOK) when a site turns failing or blocked, or
recovers.

Once per transition, not once per run: each site's last known state is kept in
``site_health``, and only a change into ``failing`` or ``blocked`` (or between them, or out
of them) makes an alert; the event says which, so a refusal (another network, rendering, a
slower rate) is not mistaken for a broken config. An alert that
could not be delivered stays pending on that document and is retried after the next run.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from crawler import __version__
from crawler.config import SiteConfig
from crawler.ops.health import BLOCKED, FAILING, SiteHealth, site_health
from crawler.storage.store import Store, utcnow

logger = logging.getLogger(__name__)

TIMEOUT = 10.0
ALERT_STATES = (FAILING, BLOCKED)


def redact_url(url: str) -> str:
    """Where a webhook points, without its secrets: webhook URLs carry tokens in the user
    part, the path (Slack, Discord) or the query, so only scheme, host and port are shown."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/…"


def post(url: str, payload: dict[str, Any]) -> bool:
    """POST the payload as JSON; ``user:password@`` in the URL becomes Basic authentication."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": f"Rasd/{__version__}"}
    parts = urlsplit(url)
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
        url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            response.read()
        return True
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "code", None) or type(exc).__name__
        logger.error("alert webhook %s failed: %s", redact_url(url), reason)
        return False


def payload(event: str, site: SiteConfig, health: SiteHealth, previous: str | None) -> dict[str, Any]:
    return {
        "event": event,  # "failing" | "blocked" | "recovered"
        "site": site.name,
        "title": site.title,
        "state": health.state,
        "previous_state": previous,
        "reason": health.reason,
        "advice": health.advice,
        "at": utcnow().isoformat().replace("+00:00", "Z"),
        "host": socket.gethostname(),
        "health": health.public(),
    }


def record_health(store: Store, site: SiteConfig, webhook: str | None) -> SiteHealth:
    """Assess the site after a run, remember its state and send the alert for a transition.

    Callers hold the site's lease (or run a manual crawl), so one process at a time decides."""
    health = site_health(store, site)
    previous_doc = store.get_site_health(site.name) or {}
    previous = previous_doc.get("state")
    event = None
    if health.state in ALERT_STATES and previous != health.state:
        event = health.state
    elif previous in ALERT_STATES and health.state not in ALERT_STATES:
        event = "recovered"
    update: dict[str, Any] = {"state": health.state, "reason": health.reason, "checked": utcnow()}
    if health.state != previous:
        update["since"] = update["checked"]
    pending = previous_doc.get("pending_alert")
    if event:
        logger.warning("site %s is now %s: %s", site.name, health.state, health.reason)
        if webhook:
            pending = payload(event, site, health, previous)
    update["pending_alert"] = pending
    if pending and webhook and post(webhook, pending):
        logger.info("alert %r for %s sent to %s", pending["event"], site.name, redact_url(webhook))
        update["pending_alert"] = None
    store.set_site_health(site.name, update)
    return health
