"""Running the mock from tests: on a real socket in a background thread or as a `mockserver serve` process, and a
handle to drive it.

`RunningMock` talks to the admin API over HTTP, so the same helpers work for a mock started in-process, by
`make serve`, or anywhere else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from mockserver.http.app import MockApp, create_app
from mockserver.http.server import SHUTDOWN_GRACE
from mockserver.settings import Settings

JSON = {"content-type": "application/json"}  # the admin API changes state only on JSON requests


class RunningMock:
    """A mock anywhere, driven through its admin API; `admin_token` for one bound off loopback (`--admin-token`)."""

    def __init__(self, base_url: str, app: MockApp | None = None, admin_token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.app = app
        auth = {"authorization": f"Bearer {admin_token}"} if admin_token else {}
        self.admin = httpx.Client(base_url=f"{self.base_url}/__mock", timeout=10, headers=auth)

    def close(self) -> None:
        self.admin.close()

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10, **kwargs)

    def reset(self) -> None:
        self.admin.post("/reset", headers=JSON).raise_for_status()

    def arm(self, rule: dict[str, Any]) -> dict[str, Any]:
        """Add a scenario rule (see the README); returns it as the mock stored it."""
        response = self.admin.post("/scenarios", json=rule)
        if response.status_code != 201:
            raise ValueError(response.json()["error"]["message"])
        return response.json()

    def limit(self, limit: int, window: float, **match: Any) -> None:
        self.admin.post("/rate-limits", json={"limit": limit, "window": window, **match}).raise_for_status()

    def journal(self, operation: str | None = None, status: int | None = None, limit: int = 100) -> list[dict]:
        params: dict[str, Any] = {"limit": limit}
        if operation:
            params["operation"] = operation
        if status is not None:
            params["status"] = status
        return self.admin.get("/journal", params=params).json()["entries"]

    def coverage(self) -> dict[str, Any]:
        """The documented responses the mock answered since start or the last reset (`GET /__mock/coverage`)."""
        response = self.admin.get("/coverage")
        response.raise_for_status()
        return response.json()

    def credentials(self) -> dict[str, Any]:
        return self.admin.get("/credentials").json()

    def approve(self, business_id: str, adaccount_id: str) -> dict[str, Any]:
        response = self.admin.post("/pending/approve", json={"business_id": business_id, "adaccount_id": adaccount_id})
        response.raise_for_status()
        return response.json()


@contextmanager
def serve_app(app: ASGIApp, lifespan: str = "on") -> Iterator[str]:
    """Any ASGI app on 127.0.0.1 and a free port, in a daemon thread (uvicorn); yields its base URL; stopped
    (lifespan shutdown included) and joined on exit."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan=lifespan,
            timeout_graceful_shutdown=SHUTDOWN_GRACE,
        )
    )
    thread = threading.Thread(target=server.run, name="test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_in_thread(settings: Settings | None = None, app: MockApp | None = None) -> Iterator[RunningMock]:
    """The mock on 127.0.0.1 and a free port, in a daemon thread; stopped and joined on exit."""
    app = app or create_app(settings or Settings())
    with serve_app(app) as base:  # lifespan on: the shutdown lets go of the state store
        running = RunningMock(base, app)
        try:
            yield running
        finally:
            running.close()


def free_port() -> int:
    """A port of 127.0.0.1 that was free a moment ago (for a process that takes `--port`)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_process(
    command: Sequence[str], cwd: Path | None = None, env: Mapping[str, str] | None = None, timeout: float = 60
) -> Iterator[tuple[RunningMock, subprocess.Popen[str]]]:
    """`command` (e.g. `["mockserver", "serve"]`) run as a user runs it, with `--port` on a free port, in a process
    group of its own (the server and its workers); ready once `/__mock/health` answers; the group is stopped on exit,
    also when the body fails. `env` replaces the environment when given. Its stderr is a text pipe (the banner)."""
    port = free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    running = RunningMock(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}: {process.stderr.read()}")
            try:
                running.admin.get("/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{' '.join(command)} did not answer within {timeout:.0f} s") from None
                time.sleep(0.05)
        yield running, process
    finally:
        running.close()
        stop_group(process)


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process group `serve_process` created (the server and its workers), SIGKILL after 10 s;
    then SIGKILL to whatever of that group outlived its leader."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.stderr is not None:
        process.stderr.close()
