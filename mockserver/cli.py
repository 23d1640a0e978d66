"""`mockserver serve`: run the mock on uvicorn."""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn

from mockserver.app import create_app


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve openapi.yaml with the mock's behaviour")
    serve.add_argument("--host", default=os.environ.get("MOCK_HOST", "127.0.0.1"), help="bind address (MOCK_HOST)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("MOCK_PORT", "4010")), help="port (MOCK_PORT)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    base = f"http://{args.host}:{args.port}"
    print(f"Mock server on {base}  (Swagger UI: {base}/ui/)", file=sys.stderr, flush=True)
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
