"""``rasd article``: one stored article with its read-also links, or its edit history."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from crawler.cli.common import EXIT_OK, CliError, open_store, say
from crawler.urls import display_url, url_from_input

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    from crawler.config import ConfigError
    from crawler.config import load_sites as load_sites_from
    from crawler.storage.history import history
    from crawler.storage.query import get_article, public, stored_urls

    ref = url_from_input(args.ref)
    problems: list[ConfigError] = []  # a broken site file must not stop reading an article
    sites = load_sites_from(config.site_dirs, need=(), problems=problems)
    for problem in problems:
        print(f"rasd: warning: config error: {problem}", file=sys.stderr)
    # the owning site's canonical form also finds http/www/amp. spellings of the URL
    owner = next((s for s in sites.values() if s.owns(ref)), None)
    with open_store(config) as store:
        doc = (get_article(store, owner.canonical(ref)) if owner else None) or get_article(store, ref)
        if doc is None:
            raise CliError(f"no stored article {args.ref!r}", 1)
        if args.versions:
            return _print_versions(doc, history(store, doc), args.format)
        art = public(doc)
        known = stored_urls(store, [link["url"] for link in art["read_also"]])
    for link in art["read_also"]:
        link["stored"] = link["url"] in known
        if known.get(link["url"], link["url"]) != link["url"]:
            link["stored_as"] = known[link["url"]]
    if args.format == "json":
        print(json.dumps(art, ensure_ascii=False, indent=2))
        return EXIT_OK
    say(art["title"])
    say(f"{art['site']} · {art['published'] or 'no date'} · {display_url(art['url'])}")
    for label, key in (("authors", "authors"), ("source", "source"), ("tags", "tags")):
        value = art[key]
        if value:
            say(f"{label}: {', '.join(value) if isinstance(value, list) else value}")
    say(f"version {art['version']} · first seen {art['first_seen']} · last seen {art['last_seen']}"
          + (f" · duplicate of {display_url(art['duplicate_of'])}" if art["duplicate_of"] else ""))
    if doc.get("aliases"):
        say(f"also reached as: {', '.join(display_url(a) for a in doc['aliases'])}")
    say()
    say(art["body"])
    if art["read_also"]:
        say("\nread also:")
        for link in art["read_also"]:
            mark = "not crawled"
            if link["stored"]:
                mark = f"stored as {display_url(link['stored_as'])}" if link.get("stored_as") else "stored"
            say(f"  - {link['title']}  <{display_url(link['url'])}>  [{mark}]")
    return EXIT_OK


def _print_versions(doc: dict[str, Any], changes: list[Any], fmt: str) -> int:
    if fmt == "json":
        print(json.dumps({"url": doc["url"], "version": doc.get("version"),
                          "changes": [vars(c) for c in changes]}, ensure_ascii=False, indent=2))
        return EXIT_OK
    say(doc.get("title") or "")
    say(f"{display_url(doc['url'])} · version {doc.get('version')} · "
          f"{len(changes)} edit{'s' if len(changes) != 1 else ''} seen")
    for change in changes:
        say(f"\nv{change.old} → v{change.new} · stored {change.replaced} · changed: "
              f"{', '.join(change.changed)}")
        for key, (old, new) in change.fields.items():
            say(f"  {key}: {old} → {new}")
        if change.diff:
            say(change.diff)
    return EXIT_OK
