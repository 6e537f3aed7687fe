"""``rasd serve``: the read-only web app over the store (crawler.serve)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_OK, EXIT_USAGE, CliError, load_sites

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


HELP = "browse, search and watch the stored articles in a web browser (read-only)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; any other needs --token)")
    p.add_argument("--port", type=int, default=8080, help="default 8080")
    p.add_argument("--token", default=None, help="access token for every page and API call (env "
                   "RASD_SERVE_TOKEN); required when listening beyond this machine")
    p.add_argument("--access-log", action="store_true", help="log every request")


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    import uvicorn

    from crawler.rasdconfig import TOKEN_ENV
    from crawler.serve.app import ServeConfig, create_app
    from crawler.serve.binding import is_loopback
    from crawler.storage.store import mask_secrets

    token = config.serve_token
    if not is_loopback(args.host) and not token:
        raise CliError(f"serve: --host {args.host} listens beyond this machine: set --token or {TOKEN_ENV} "
                       "(every request must then send it)", EXIT_USAGE)
    if not 0 < args.port < 65536:
        raise CliError(f"serve: --port must be 1-65535, got {args.port}", EXIT_USAGE)
    db = config.db
    app = create_app(ServeConfig(db=db, sites=list(load_sites(config).values()), spool=str(config.spool), token=token))
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"rasd serve: http://{host}:{args.port}/ (read-only) over {mask_secrets(db)}", file=sys.stderr)
    if token:
        print("rasd serve: token required: send 'Authorization: Bearer <token>' or log in at /login",
              file=sys.stderr)
    else:
        print("rasd serve: no token: reachable from this machine only", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info" if args.access_log else "warning",
                access_log=args.access_log, server_header=False)
    return EXIT_OK
