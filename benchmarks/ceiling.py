"""The ceiling of the benchmark: a bare Starlette app serving recorded answers byte for byte.

The benchmark records what the mock answers to each measured request (status, headers, body) and starts this app
with that recording, on the server `mockserver serve` uses (`--server granian|uvicorn`, through the same
mockserver.http.server call, so the same HTTP settings, one worker); it answers each request by a dictionary look-up:
the cost of the server + Starlette routing + writing the same bytes, with none of the mock's work. The mock cannot
be faster than this on the same machine and server.

    python -m benchmarks.ceiling --port 8001 --recording answers.json [--server uvicorn]

`answers.json`: a list of {"path", "query", "api_key": bool, "status", "headers": [[name, value], ...],
"body_b64"}; a request is matched on its path, its raw query string and whether it carries `x-api-key`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

RECORDING_ENV = "CEILING_RECORDING"
# Headers the server or Starlette write themselves.
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


def factory() -> Starlette:
    """The app of each server worker, from the recording named in the environment."""
    return build_app(json.loads(Path(os.environ[RECORDING_ENV]).read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--recording", type=Path, required=True)
    parser.add_argument("--server", default="granian", help="granian or uvicorn (granian)")
    args = parser.parse_args()
    from mockserver.http.server import SERVERS
    from mockserver.settings import Settings

    os.environ[RECORDING_ENV] = str(args.recording.resolve())
    SERVERS[args.server](Settings(host=args.host, port=args.port, server=args.server), "benchmarks.ceiling:factory")


if __name__ == "__main__":
    main()
