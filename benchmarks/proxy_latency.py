"""The latency the validating proxy adds per exchange: p50 and p99 of requests through `mockserver proxy` against the
same requests sent straight to its upstream (`mockserver serve`), one request at a time on a kept-alive connection.

    .venv/bin/python -m benchmarks proxy-latency [--requests 2000] [--warmup 200]

Both servers run as processes of their own on free ports of 127.0.0.1 (the client is a third); direct and proxied
requests alternate, so that both see the same machine load. Requests: the KlayrAI list (doc key), a Graph page of
25 nodes with three fields and a summary, and a KlayrAI 400 (an unknown parameter, so the proxy reports it). The
servers are stopped whatever happens.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from mockserver.testing import serve_process

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = {
    "klayrai list": ("/v1/accounts", {"x-api-key": "klyr_live_abc123def456ghi789"}),
    "graph page": (
        "/v25.0/1029384756/client_ad_accounts?fields=name,currency,account_status&summary=true&limit=25"
        "&access_token=EAAGagency0valid0token",
        {},
    ),
    "klayrai 400": ("/v1/accounts?pageSize=5", {"x-api-key": "klyr_live_abc123def456ghi789"}),
}


@contextmanager
def process(*args: str) -> Iterator[str]:
    """`mockserver <args> --port <free>` until it answers its health route; yields its base URL."""
    with serve_process([sys.executable, "-m", "mockserver", *args, "--log-level", "error"], cwd=ROOT) as (mock, _):
        yield mock.base_url


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(direct: str, proxied: str, requests: int, warmup: int) -> dict[str, dict[str, list[float]]]:
    """Milliseconds per request, by request name and then by route (direct, proxy)."""
    results: dict[str, dict[str, list[float]]] = {name: {"direct": [], "proxy": []} for name in REQUESTS}
    with httpx.Client(timeout=30) as client:
        for name, (path, headers) in REQUESTS.items():
            for index in range(warmup + requests):
                for route, base in (("direct", direct), ("proxy", proxied)):
                    started = time.perf_counter()
                    client.get(base + path, headers=headers).read()
                    if index >= warmup:
                        results[name][route].append((time.perf_counter() - started) * 1000)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per request kind and route")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests first (each kind and route)")
    args = parser.parse_args(argv)
    with process("serve", "--no-validate-responses") as upstream, process("proxy", "--upstream", upstream) as proxy:
        results = measure(upstream, proxy, args.requests, args.warmup)
    print(f"{args.requests} sequential requests per row and route; milliseconds")
    print(f"{'request':<14} {'direct p50':>10} {'p99':>7} {'proxy p50':>10} {'p99':>7} {'added p50':>10} {'p99':>7}")
    for name, routes in results.items():
        d50, d99 = percentile(routes["direct"], 0.5), percentile(routes["direct"], 0.99)
        p50, p99 = percentile(routes["proxy"], 0.5), percentile(routes["proxy"], 0.99)
        print(f"{name:<14} {d50:>10.2f} {d99:>7.2f} {p50:>10.2f} {p99:>7.2f} {p50 - d50:>10.2f} {p99 - d99:>7.2f}")
    added = [p - d for r in results.values() for p, d in zip(r["proxy"], r["direct"], strict=True)]
    print(f"added per exchange, all kinds: p50 {statistics.median(added):.2f} ms, p99 {percentile(added, 0.99):.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
