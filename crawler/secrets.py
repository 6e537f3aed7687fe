"""What a credential looks like, and text with every credential replaced by ``***``.

The one place that decides it: logs (``crawler.logmask``), stats files, run records, errors
and the CLI's own output all go through :func:`mask_secrets`.

Why URIs are parsed rather than matched by one pattern: pymongo accepts passwords with
``' " < >`` (and unescaped ``@`` or ``/``), which end any pattern that tries to guess where a
password stops; and the secrets of a MongoDB URI are not only its password but options such
as ``tlsCertificateKeyFilePassword`` and ``authMechanismProperties=AWS_SESSION_TOKEN:…``. A URI
runs to the next whitespace; its user information to the last ``@`` in it.
"""

from __future__ import annotations

import re

MASK = "***"
# A URI in free text: a scheme, then everything up to whitespace.
_URI = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<rest>\S+)", re.I)
# Option names whose values are secrets: any name containing one of these words…
_SECRET_WORDS = ("password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key",
                 "signature", "credential", "authmechanismproperties")
# …or exactly one of these short ones.
_SECRET_NAMES = frozenset({"pass", "auth", "key", "sig", "code"})
# name=value in a query string, also outside a URI (an option quoted in an error message).
_PARAM = re.compile(r"(?P<key>(?:^|(?<=[?&;\s]))(?P<name>[\w.-]+)=)(?P<value>[^&;#\s]+)")
# name='value' / 'name': 'value' as Python shows keyword arguments and dicts (pymongo's repr).
_QUOTED = re.compile(r"(?P<key>(?P<name>[\w.-]+)['\"]?\s*[:=]\s*)(?P<q>['\"])(?P<value>.*?)(?P=q)")
# AWS_SESSION_TOKEN:value inside authMechanismProperties, however it is quoted.
_AWS_TOKEN = re.compile(r"(?P<key>AWS_SESSION_TOKEN['\"]?\s*[:=]\s*['\"]?)[^\s,'\"}&]+", re.I)
# Webhook URLs whose path is the credential: Slack /services/…, Discord /api/webhooks/…,
# Mattermost and friends /hooks/…, Teams /webhookb2/…, Telegram /bot<token>/….
_SECRET_PATH = re.compile(
    r"(?P<keep>://[^/\s]+/(?:[^\s?#]*?/)??(?:services|webhooks|hooks|webhookb2|IncomingWebhook)/)"
    r"[^\s?#\"']+|(?P<bot>://api\.telegram\.org/bot)[^/\s]+",
    re.I,
)


def is_secret_option(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SECRET_NAMES or any(word in lowered for word in _SECRET_WORDS)


def mask_uri(uri: str) -> str:
    """One URI with its password and secret options masked; user and hosts stay readable."""
    m = _URI.match(uri)
    if not m:
        return uri
    scheme, rest = m.group("scheme"), m.group("rest")
    userinfo, at, after = rest.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    if at and colon and "/" not in user:
        rest = f"{user}:{MASK}@{after}"
    return scheme + _PARAM.sub(_mask_param, rest) + uri[m.end():]


def mask_secrets(text: str) -> str:
    """Text with every credential replaced by ***: passwords and secret options of every
    URI in it, secret options quoted outside URIs, and webhook tokens."""
    text = _AWS_TOKEN.sub(lambda m: m.group("key") + MASK, text)
    text = _URI.sub(lambda m: mask_uri(m.group(0)), text)
    text = _PARAM.sub(_mask_param, text)
    text = _QUOTED.sub(_mask_param, text)
    return _SECRET_PATH.sub(lambda m: (m.group("keep") or m.group("bot")) + MASK, text)


def _mask_param(m: re.Match[str]) -> str:
    if not is_secret_option(m.group("name")) or m.group("value") == MASK:
        return m.group(0)
    quote = m.groupdict().get("q") or ""
    return f"{m.group('key')}{quote}{MASK}{quote}"
