"""Where ``rasd serve`` may listen without a token: this machine only. Kept free of the web
stack's imports, so every other ``rasd`` command starts as fast as before."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
