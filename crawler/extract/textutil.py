"""Text helpers shared by the extraction layers."""

from __future__ import annotations

import re

from lxml import etree

_WS = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_BLANKS = re.compile(r"\n\s*\n+")


def clean(text: str | None) -> str:
    """Collapse runs of spaces inside lines and trim; keep paragraph breaks."""
    if not text:
        return ""
    lines = [_WS.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def node_text(node: etree._Element) -> str:
    """Visible text of a node on one line."""
    return _WS.sub(" ", " ".join(node.itertext())).strip()
