"""The mock's own Python per request, without a server or a load tool: the ASGI apps called directly, side by side.

    .venv/bin/python -m benchmarks in-process [--rounds 10] [--requests 1500]

The served benchmark's ratios move by 20-40 % between runs on a shared 2-core machine, because a server, its Rust
threads and wrk share the cores. Here each app is called in one process, in turn, `--requests` times per request
and round, and the best round is kept: what is left is each app's own work, comparable to a tenth of a
microsecond. The apps: the mock (full journal), the same mock with `--journal-size 0`, and the ceiling (a bare
Starlette app answering the mock's own recorded bytes, `benchmarks/ceiling.py`). A served request costs more than
this (the server's side of ASGI, about 13 us of Python on Granian here), the same for every app.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive

from benchmarks.ceiling import build_app
from benchmarks.targets import REQUESTS, Req
from mockserver.http.app import create_app
from mockserver.settings import Settings

HOST = (b"host", b"127.0.0.1:4010")


def scope_of(req: Req) -> dict[str, Any]:
    """What a server hands the app for `req` (wrk sends a Host header and the request's own)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": req.method,
        "scheme": "http",
        "path": req.path,
        "raw_path": req.path.encode(),
        "query_string": req.query.encode(),
        "root_path": "",
        "headers": [HOST, *((name.encode(), value.encode()) for name, value in req.headers)],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 4010),
    }


def receiver(req: Req) -> Receive:
    """What a server hands the app to read `req`'s body: all of it at once."""

    async def receive() -> Message:
        return {"type": "http.request", "body": req.body, "more_body": False}

    return receive


async def call(app: ASGIApp, req: Req) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One request through `app`: its status, headers and body."""
    answer: dict[str, Any] = {"body": b""}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer["status"], answer["headers"] = message["status"], message["headers"]
        else:
            answer["body"] += message.get("body", b"")

    await app(scope_of(req), receiver(req), send)
    return answer["status"], answer["headers"], answer["body"]


def recording(answers: dict[str, tuple[int, list[tuple[bytes, bytes]], bytes]]) -> list[dict[str, Any]]:
    """The mock's answers as the ceiling's recording (see benchmarks/ceiling.py)."""
    return [
        {
            "path": req.path,
            "query": req.query,
            "api_key": any(name == "x-api-key" for name, _ in req.headers),
            "status": status,
            "headers": [[name.decode(), value.decode()] for name, value in headers],
            "body_b64": base64.b64encode(body).decode(),
        }
        for req in REQUESTS
        for status, headers, body in [answers[req.name]]
    ]


async def timed(app: ASGIApp, req: Req, requests: int) -> float:
    """Microseconds per request, `requests` in a row."""
    scope, receive = scope_of(req), receiver(req)

    async def send(_message: Message) -> None:
        return None

    start = time.perf_counter()
    for _ in range(requests):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - start) / requests * 1e6


async def measure(rounds: int, requests: int) -> dict[tuple[str, str], float]:
    ours = create_app(Settings())
    apps: dict[str, ASGIApp] = {"ours": ours, "ours-nojournal": create_app(Settings(journal_size=0))}
    apps["ceiling"] = build_app(recording({req.name: await call(ours, req) for req in REQUESTS}))
    for req in REQUESTS:  # every app answers what the mock answers, before anything is timed
        status = (await call(apps["ceiling"], req))[0]
        assert status == req.expect, f"{req.name}: the ceiling answered {status}"
    best: dict[tuple[str, str], float] = {}
    for _ in range(rounds):
        for name, app in apps.items():
            for req in REQUESTS:
                us = await timed(app, req, requests)
                best[name, req.name] = min(best.get((name, req.name), us), us)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10, help="rounds over every app and request (10)")
    parser.add_argument("--requests", type=int, default=1500, help="requests per app, request and round (1500)")
    args = parser.parse_args(argv)
    best = asyncio.run(measure(args.rounds, args.requests))
    print(f"us per request, best of {args.rounds} rounds of {args.requests} (one process, apps called in turn):")
    print(f"{'request':10} {'ours':>7} {'nojournal':>10} {'ceiling':>8}   ceiling/ours  nojournal/ours")
    for req in REQUESTS:
        ours, bare, ceiling = (best[name, req.name] for name in ("ours", "ours-nojournal", "ceiling"))
        print(f"{req.name:10} {ours:7.1f} {bare:10.1f} {ceiling:8.1f}   {ceiling / ours:12.2f}  {bare / ours:14.2f}")
    return 0
