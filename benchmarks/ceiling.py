"""The ceiling of the benchmark: a bare Starlette app serving recorded answers byte for byte.

`benchmarks/run.py` records what the mock answers to each measured request (status, headers, body) and starts
this app with that recording. It runs on uvicorn exactly as `mockserver serve` does (one process,
`uvicorn.run(app, host, port, log_level="warning", lifespan="on")`, so uvloop and httptools when installed), and
answers each request by a dictionary look-up: the cost of uvicorn + Starlette routing + writing the same bytes,
with none of the mock's work. The mock cannot be faster than this on the same machine.

    python benchmarks/ceiling.py --port 8001 --recording answers.json

`answers.json`: a list of {"path", "query", "api_key": bool, "status", "headers": [[name, value], ...],
"body_b64"}; a request is matched on its path, its raw query string and whether it carries `x-api-key`.
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# Headers uvicorn or Starlette write themselves.
SKIP_HEADERS = {"date", "server", "content-length", "transfer-encoding", "connection"}


def build_app(recording: list[dict]) -> Starlette:
    answers: dict[tuple[str, str, bool], tuple[int, dict[str, str], bytes]] = {}
    for item in recording:
        headers = {name: value for name, value in item["headers"] if name.lower() not in SKIP_HEADERS}
        answers[(item["path"], item["query"], bool(item["api_key"]))] = (
            int(item["status"]),
            headers,
            base64.b64decode(item["body_b64"]),
        )
    not_found = Response(b'{"error":"not recorded"}', 404, media_type="application/json")

    async def endpoint(request: Request) -> Response:
        scope = request.scope
        key = (scope["path"], scope["query_string"].decode("latin-1"), "x-api-key" in request.headers)
        answer = answers.get(key)
        if answer is None:
            return not_found
        status, headers, body = answer
        return Response(body, status, headers=headers)

    paths = sorted({item["path"] for item in recording})
    return Starlette(routes=[Route(path, endpoint, methods=["GET"]) for path in paths])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--recording", type=Path, required=True)
    args = parser.parse_args()
    app = build_app(json.loads(args.recording.read_text()))
    # The same call as mockserver/cli.py's serve(): loop and http "auto" pick uvloop and httptools when installed.
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
