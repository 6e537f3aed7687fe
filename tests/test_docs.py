"""The documentation stays true: the key reference matches the validator's key list, and
every relative link and #anchor in README.md and docs/ leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler import config_reference
from crawler.config import SITE_KEYS, ConfigError, parse_site

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
         *sorted((ROOT / "bench").glob("RESULTS*.md"))]
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~)")


def _prose(text: str) -> list[str]:
    """Lines outside fenced code blocks, where `# comment` is not a heading."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|<[^>]+>", lambda m: "_" if m.group() == "_" else "", heading.strip())
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for line in _prose(path.read_text(encoding="utf-8")):
        m = re.match(r"^#{1,6} (.+)$", line)
        if m:
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


def links(path: Path) -> list[str]:
    prose = "\n".join(_prose(path.read_text(encoding="utf-8")))
    prose = re.sub(r"`[^`\n]*`", "", prose)  # code spans hold no links
    return [t for t in _LINK.findall(prose) if not re.match(r"^[a-z]+:", t)]


def test_slug_follows_github() -> None:
    assert slug("Sites built by JavaScript (`render = true`)") == "sites-built-by-javascript-render--true"
    assert slug("Running Rasd as a service: `rasd schedule`") == "running-rasd-as-a-service-rasd-schedule"
    assert slug("`[[layouts]]` keys") == "layouts-keys"


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in links(page):
        file_part, _, anchor = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert not broken_links(page), f"{page.relative_to(ROOT)}: " + "; ".join(broken_links(page))


def test_link_checker_catches_broken_links(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "# Title\n\n[ok](#title) [bad](#nope) [file](b.md#x) [gone](c.md) `[code](#x)`\n"
        "```\n# not a heading\n[in code](#y)\n```\n![img](b.md)\n")
    (tmp_path / "b.md").write_text("## X\n")
    assert anchors(tmp_path / "a.md") == {"title"}
    assert broken_links(tmp_path / "a.md") == ["#nope: no heading #nope in a.md", "c.md: no such file"]


def test_readme_keeps_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash tests/run.sh" in readme  # CI calls the test command written here
    assert ".venv/bin/rasd crawl --all" in readme


def test_key_reference_is_generated_from_the_schema() -> None:
    committed = config_reference.REFERENCE.read_text(encoding="utf-8")
    assert committed == config_reference.render(), "run: python -m crawler.config_reference"
    for key in ("canonical_origin", "recheck_window", "drop_duplicates", "obey_robots"):
        assert f"| `{key}` |" in committed


def test_validator_accepts_exactly_the_documented_keys(tmp_path: Path) -> None:
    base = {"name": "site", "feeds": ["https://example.com/rss"]}
    with pytest.raises(ConfigError) as err:
        parse_site(tmp_path / "site.toml", {**base, "obey_robot": False})
    assert err.value.key == "obey_robot"
    for key in SITE_KEYS:
        assert key.name in str(err.value)  # the error lists every known key


@pytest.mark.parametrize("key", [k for k in SITE_KEYS if k.default is not None], ids=lambda k: k.name)
def test_documented_default_is_the_real_default(tmp_path: Path, key) -> None:
    base = {"name": "site", "feeds": ["https://example.com/rss"]}
    path = tmp_path / "site.toml"
    assert parse_site(path, {**base, key.name: key.default}) == parse_site(path, base)
