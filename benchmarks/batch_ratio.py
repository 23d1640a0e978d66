#!/usr/bin/env python3
"""A Graph batch of 50 edge reads against one edge read, one request at a time on a keep-alive connection.

    .venv/bin/python -m benchmarks batch-ratio [--rounds 5]

Two views, medians over the rounds: as a client sees it (a real socket, uvicorn, httpx), and the mock's own work
(the ASGI app called in-process, no HTTP). The target: a batch of 50 within 10x one request as a client sees it.
Every item runs the whole pipeline (auth, Prefer and scenarios, rate limit, cache, validation, journal), so the
in-process ratio is close to 50 items' work against one request's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from mockserver.http.app import create_app  # noqa: E402
from mockserver.settings import Settings  # noqa: E402
from mockserver.testing import serve_in_thread  # noqa: E402
from mockserver.world.credentials import AGENCY_BUSINESS_ID, GRAPH_TOKENS  # noqa: E402

TOKEN = GRAPH_TOKENS["agency"]
EDGE = f"/v25.0/{AGENCY_BUSINESS_ID}/client_ad_accounts"
QUERY = {"access_token": TOKEN, "fields": "name", "limit": 25}
ITEM = {"method": "GET", "relative_url": f"{AGENCY_BUSINESS_ID}/client_ad_accounts?fields=name&limit=25"}
FORM = {"batch": json.dumps([ITEM] * 50)}


def median_seconds(call: Callable[[], Any], count: int) -> float:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def over_a_socket(rounds: int) -> tuple[float, float]:
    with serve_in_thread(Settings(log_level="warning")) as mock, mock.client() as client:

        def single() -> None:
            assert client.get(EDGE, params=QUERY).status_code == 200

        def batch() -> None:
            assert client.post("/v25.0/", params={"access_token": TOKEN}, data=FORM).status_code == 200

        for _ in range(30):
            single(), batch()
        return median_seconds(single, 80 * rounds), median_seconds(batch, 12 * rounds)


def in_process(rounds: int) -> tuple[float, float]:
    app = create_app(Settings())

    def scope(method: str, path: str, query: dict[str, Any], form: bool = False) -> dict[str, Any]:
        headers = [(b"host", b"mock.test")] + ([(b"content-type", b"application/x-www-form-urlencoded")] * form)
        return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
                "query_string": urlencode(query).encode(), "headers": headers, "server": ("127.0.0.1", 80)}  # fmt: skip

    async def call(template: dict[str, Any], body: bytes = b"") -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                assert message["status"] == 200

        await app(dict(template), receive, send)

    single_scope = scope("GET", EDGE, QUERY)
    batch_scope, body = scope("POST", "/v25.0/", {"access_token": TOKEN}, form=True), urlencode(FORM).encode()
    loop = asyncio.new_event_loop()
    try:
        for _ in range(30):
            loop.run_until_complete(call(single_scope)), loop.run_until_complete(call(batch_scope, body))
        single = median_seconds(lambda: loop.run_until_complete(call(single_scope)), 200 * rounds)
        batch = median_seconds(lambda: loop.run_until_complete(call(batch_scope, body)), 12 * rounds)
    finally:
        loop.close()
    return single, batch


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args(argv).rounds
    for name, (single, batch) in (("real socket", over_a_socket(rounds)), ("in-process", in_process(rounds))):
        print(f"{name:12} one read {single * 1000:7.3f} ms   batch of 50 {batch * 1000:7.3f} ms   "
              f"ratio {batch / single:6.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
