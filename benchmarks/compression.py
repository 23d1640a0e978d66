"""Is compressing each kept answer once worth it? CPU time per request of the mock answering a gzip client, 4 ways.

    .venv/bin/python -m benchmarks compression [--requests 3000] [--rounds 5]

One mock (default settings, as `make serve`), called in-process through its ASGI entry with `Accept-Encoding: gzip`,
with in place of its compression layer: nothing; ours (`mockserver.http.compression`, each kept answer compressed once);
Starlette's `GZipMiddleware` at its default level 9, and at level 6, both compressing on every request. Measured as
CPU time (`time.process_time`), the best of `--rounds` interleaved rounds: on a shared machine wall-clock
throughput mostly measures the neighbours, CPU time per request does not. The socket's share (fewer bytes to write
when compressed) is not in these figures.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import warnings
from typing import Any

VARIANTS = ("none", "ours", "starlette-9", "starlette-6")
KEY = (b"x-api-key", b"klyr_live_agency2bigworkspace01")
GRAPH = "/v25.0/1029384756/client_ad_accounts"
TOKEN = b"access_token=EAAGagency0valid0token"
PAGES = {
    "klayrai 20": ("/v1/accounts", b"", [KEY]),
    "klayrai 100": ("/v1/accounts", b"page_size=100", [KEY]),
    "graph 25": (GRAPH, TOKEN, []),
    "graph 100": (GRAPH, TOKEN + b"&limit=100&fields=name,currency,account_status,amount_spent,business", []),
}


def scope(path: str, query: bytes, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:4010"), (b"accept-encoding", b"gzip"), *headers],
        "server": ("127.0.0.1", 4010),
        "client": ("127.0.0.1", 50000),
    }


async def measure(requests: int, rounds: int) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], int]]:
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")  # connexion's import
    from starlette.middleware.gzip import GZipMiddleware

    from mockserver.http.app import create_app

    app = create_app()
    cors = app.served  # Cors(Compression(app.serve))
    layers = {
        "none": app.serve,
        "ours": cors.app,  # type: ignore[attr-defined]
        "starlette-9": GZipMiddleware(app.serve, minimum_size=500, compresslevel=9),
        "starlette-6": GZipMiddleware(app.serve, minimum_size=500, compresslevel=6),
    }
    sent = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal sent
        if message["type"] == "http.response.body":
            sent = len(message.get("body", b""))

    best: dict[tuple[str, str], float] = {}
    sizes: dict[tuple[str, str], int] = {}
    for _ in range(rounds):
        for page, (path, query, headers) in PAGES.items():
            request = scope(path, query, headers)
            for variant in VARIANTS:
                cors.app = layers[variant]  # type: ignore[attr-defined]
                await app(dict(request), receive, send)  # warm: the rendered answer (and ours: its gzip) kept
                started = time.process_time()
                for _ in range(requests):
                    await app(dict(request), receive, send)
                micros = (time.process_time() - started) / requests * 1e6
                best[variant, page] = min(best.get((variant, page), micros), micros)
                sizes[variant, page] = sent
    return best, sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    best, sizes = asyncio.run(measure(args.requests, args.rounds))
    print(f"CPU us per request (best of {args.rounds} rounds of {args.requests}) and body bytes, Accept-Encoding: gzip")
    print(f"{'page':<12}" + "".join(f"{variant:>20}" for variant in VARIANTS))
    for page in PAGES:
        print(f"{page:<12}" + "".join(f"{best[v, page]:>10.1f} {sizes[v, page]:>8}B" for v in VARIANTS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
