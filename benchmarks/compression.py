"""Is compressing each kept answer once worth it? Throughput of the mock answering gzip clients, four ways.

    .venv/bin/python benchmarks/compression.py [--seconds 10] [--connections 32] [--rounds 2]

Serves the mock (default settings, as `make serve`) on free ports with: no compression; ours
(`mockserver.compression`, each kept answer compressed once); Starlette's `GZipMiddleware` at its default level 9
and at level 6, which compress on every request. Each is measured with `wrk -t1` and `Accept-Encoding: gzip` on a
small and a large page of each API; rounds alternate the servers. Needs `wrk` on PATH. Servers are stopped whatever
happens.
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

VARIANTS = ("none", "ours", "starlette-9", "starlette-6")
KEY = "x-api-key: klyr_live_agency2bigworkspace01"
GRAPH = "/v25.0/1029384756/client_ad_accounts?access_token=EAAGagency0valid0token"
PAGES = {
    "klayrai 20": ("/v1/accounts", KEY),
    "klayrai 100": ("/v1/accounts?page_size=100", KEY),
    "graph 25": (GRAPH, ""),
    "graph 100": (GRAPH + "&limit=100&fields=name,currency,account_status,amount_spent,business", ""),
}


def serve(variant: str, port: int) -> None:
    """The child process: the mock with `variant` in place of its compression layer."""
    import warnings

    import uvicorn
    from starlette.middleware.gzip import GZipMiddleware

    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")  # connexion's import

    from mockserver.app import create_app

    app = create_app()
    if variant == "none":
        app.served.app = app.serve  # type: ignore[attr-defined]
    elif variant.startswith("starlette-"):
        level = int(variant.rsplit("-", 1)[1])
        app.served.app = GZipMiddleware(app.serve, minimum_size=500, compresslevel=level)  # type: ignore[attr-defined]
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(variant: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--serve", variant, "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{base}/__mock/health", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the {variant} server did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def wrk(base: str, path: str, header: str, seconds: int, connections: int) -> tuple[float, float]:
    """(requests per second, p99 ms) of one wrk run with `Accept-Encoding: gzip`."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", "Accept-Encoding: gzip"]
    argv += ["-H", header] if header else []
    output = subprocess.run([*argv, base + path], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return rate, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wire_bytes(base: str, path: str, header: str) -> int:
    headers = dict([header.split(": ", 1)]) if header else {}
    with httpx.stream("GET", base + path, headers={**headers, "accept-encoding": "gzip"}) as response:
        return sum(len(chunk) for chunk in response.iter_raw())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--serve", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return 0
    if shutil.which("wrk") is None:
        print("compression benchmark: wrk is not on PATH", file=sys.stderr)
        return 2
    rates: dict[tuple[str, str], list[float]] = {}
    p99: dict[tuple[str, str], list[float]] = {}
    sizes: dict[tuple[str, str], int] = {}
    for _ in range(args.rounds):
        for variant in VARIANTS:
            with server(variant) as base:
                for page, (path, header) in PAGES.items():
                    sizes[variant, page] = wire_bytes(base, path, header)
                    rate, late = wrk(base, path, header, args.seconds, args.connections)
                    rates.setdefault((variant, page), []).append(rate)
                    p99.setdefault((variant, page), []).append(late)
    print(f"req/s (median of {args.rounds}), p99 ms and bytes on the wire, wrk -t1 -c{args.connections} "
          f"-d{args.seconds}s, Accept-Encoding: gzip")  # fmt: skip
    print(f"{'page':<12}" + "".join(f"{variant:>26}" for variant in VARIANTS))
    for page in PAGES:
        cells = [
            f"{statistics.median(rates[v, page]):>8,.0f} {statistics.median(p99[v, page]):>7.1f}ms {sizes[v, page]:>7}B"
            for v in VARIANTS
        ]
        print(f"{page:<12}" + "".join(f"{cell:>26}" for cell in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
