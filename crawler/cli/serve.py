"""``rasd serve``: the read-only web app over the store (crawler.serve)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from crawler.cli.common import EXIT_OK, EXIT_USAGE, CliError, load_sites
from crawler.rasdconfig import TOKEN_ENV
from crawler.serve.binding import is_loopback

if TYPE_CHECKING:
    from crawler.rasdconfig import RasdConfig


def run(args: argparse.Namespace, config: RasdConfig) -> int:
    import uvicorn

    from crawler.serve.app import ServeConfig, create_app
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
