"""``rasd serve``: the read-only web app over the store (crawler.serve)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from crawler.config import load_sites, site_dirs
from crawler.serve.binding import TOKEN_ENV, is_loopback
from crawler.storage.store import mask_secrets, resolve_db

EXIT_USAGE = 64


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("serve", parents=[common],
                       help="browse, search and watch the stored articles in a web browser (read-only)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; any other needs --token)")
    p.add_argument("--port", type=int, default=8080, help="default 8080")
    p.add_argument("--token", default=None,
                   help=f"access token for every page and API call (env {TOKEN_ENV}); required "
                        "when listening beyond this machine")
    p.add_argument("--access-log", action="store_true", help="log every request")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from crawler.serve.app import ServeConfig, create_app

    token = args.token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(args.host) and not token:
        print(f"rasd: serve: --host {args.host} listens beyond this machine: set --token or {TOKEN_ENV} "
              "(every request must then send it)", file=sys.stderr)
        return EXIT_USAGE
    if not 0 < args.port < 65536:
        print(f"rasd: serve: --port must be 1-65535, got {args.port}", file=sys.stderr)
        return EXIT_USAGE
    db = resolve_db(args.db)
    sites = list(load_sites(site_dirs(args.sites or [])).values())
    app = create_app(ServeConfig(db=db, sites=sites, spool=args.spool, token=token))
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"rasd serve: http://{host}:{args.port}/ (read-only) over {mask_secrets(db)}", file=sys.stderr)
    if token:
        print("rasd serve: token required: send 'Authorization: Bearer <token>' or log in at /login",
              file=sys.stderr)
    else:
        print("rasd serve: no token: reachable from this machine only", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info" if args.access_log else "warning",
                access_log=args.access_log, server_header=False)
    return 0
