"""Memory of the mock over 100,000 requests: the request journal is bounded, so RSS must stay flat.

    .venv/bin/python -m benchmarks journal-memory [--requests 100000] [--concurrency 16]

Starts `mockserver serve` on a free port, warms it up, then sends a mix of requests (successes, errors, long query
strings, unknown paths) and prints the server's RSS (VmRSS from /proc) at each tenth, and the growth from the end
of the warm-up to the end. The server is stopped whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from pathlib import Path

import httpx

from benchmarks.processes import serving_pid
from benchmarks.targets import ROOT
from mockserver.testing import serve_process

KEY = {"x-api-key": "klyr_live_agency2bigworkspace01"}
REQUESTS = [
    ("/v1/accounts", KEY),
    ("/v1/accounts?page=3&page_size=50&status=active", KEY),
    ("/v1/accounts?page=0", KEY),
    ("/v1/accounts", {}),
    ("/v1/accounts?" + "pageSize=1&" * 200, KEY),
    ("/v25.0/1029384756/client_ad_accounts?fields=name,currency&summary=true&access_token=EAAGagency0valid0token", {}),
    ("/v25.0/1029384756/client_ad_accounts?after=forged" + "x" * 2000 + "&access_token=EAAGagency0valid0token", {}),
    ("/nowhere/" + "y" * 1000, {}),
]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def blast(base: str, count: int, concurrency: int) -> None:
    cycle = itertools.cycle(REQUESTS)
    remaining = iter(range(count))

    async def worker(client: httpx.AsyncClient) -> None:
        for _ in remaining:
            path, headers = next(cycle)
            await client.get(path, headers=headers)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    command = [sys.executable, "-m", "mockserver", "serve", "--log-level", "error"]
    with serve_process(command, cwd=ROOT) as (mock, server):
        base = mock.base_url
        journal_size = httpx.get(f"{base}/__mock/journal?limit=1").json()
        pid = serving_pid(server.pid)
        print(f"server pid {pid}, RSS at start {rss_kib(pid) / 1024:.1f} MiB")
        warmup = max(1, args.requests // 10)
        asyncio.run(blast(base, warmup, args.concurrency))
        after_warmup = rss_kib(pid)
        print(f"after warm-up ({warmup:,} requests): {after_warmup / 1024:.1f} MiB")
        started = time.monotonic()
        step = max(1, args.requests // 10)
        for done in range(step, args.requests + 1, step):
            asyncio.run(blast(base, step, args.concurrency))
            print(f"  {done:>9,} requests: RSS {rss_kib(pid) / 1024:.1f} MiB")
        elapsed = time.monotonic() - started
        final = rss_kib(pid)
        journal_size = httpx.get(f"{base}/__mock/journal?limit=100000").json()
        print(f"{args.requests:,} requests in {elapsed:.1f} s ({args.requests / elapsed:,.0f}/s)")
        print(f"journal: {journal_size['total']:,} recorded, {len(journal_size['entries']):,} kept")
        print(f"RSS growth after warm-up: {(final - after_warmup) / 1024:+.1f} MiB "
              f"({(final - after_warmup) / after_warmup:+.1%})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
