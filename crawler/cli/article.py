"""``rasd article``: one stored article with its read-also links, or its edit history."""

from __future__ import annotations

import argparse
import json
from typing import Any

from crawler.cli.common import EXIT_OK, CliError, load_sites, open_store
from crawler.urls import display_url, url_from_input


def run(args: argparse.Namespace) -> int:
    from crawler.config import ConfigError
    from crawler.storage.history import history
    from crawler.storage.query import get_article, public, stored_urls

    ref = url_from_input(args.ref)
    try:  # the owning site's canonical form also finds http/www/amp. spellings of the URL
        owner = next((s for s in load_sites(args).values() if s.owns(ref)), None)
    except ConfigError:
        owner = None
    with open_store(args) as store:
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
    print(art["title"])
    print(f"{art['site']} · {art['published'] or 'no date'} · {display_url(art['url'])}")
    for label, key in (("authors", "authors"), ("source", "source"), ("tags", "tags")):
        value = art[key]
        if value:
            print(f"{label}: {', '.join(value) if isinstance(value, list) else value}")
    print(f"version {art['version']} · first seen {art['first_seen']} · last seen {art['last_seen']}"
          + (f" · duplicate of {display_url(art['duplicate_of'])}" if art["duplicate_of"] else ""))
    if doc.get("aliases"):
        print(f"also reached as: {', '.join(display_url(a) for a in doc['aliases'])}")
    print()
    print(art["body"])
    if art["read_also"]:
        print("\nread also:")
        for link in art["read_also"]:
            mark = "not crawled"
            if link["stored"]:
                mark = f"stored as {display_url(link['stored_as'])}" if link.get("stored_as") else "stored"
            print(f"  - {link['title']}  <{display_url(link['url'])}>  [{mark}]")
    return EXIT_OK


def _print_versions(doc: dict[str, Any], changes: list[Any], fmt: str) -> int:
    if fmt == "json":
        print(json.dumps({"url": doc["url"], "version": doc.get("version"),
                          "changes": [vars(c) for c in changes]}, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(doc.get("title") or "")
    print(f"{display_url(doc['url'])} · version {doc.get('version')} · "
          f"{len(changes)} edit{'s' if len(changes) != 1 else ''} seen")
    for change in changes:
        print(f"\nv{change.old} → v{change.new} · stored {change.replaced} · changed: "
              f"{', '.join(change.changed)}")
        for key, (old, new) in change.fields.items():
            print(f"  {key}: {old} → {new}")
        if change.diff:
            print(change.diff)
    return EXIT_OK
