"""Running the mock from tests: on a real socket in a background thread, and a handle to drive it.

`RunningMock` talks to the admin API over HTTP, so the same helpers work for a mock started in-process, by
`make serve`, or anywhere else.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from mockserver.app import MockApp, create_app
from mockserver.settings import Settings

JSON = {"content-type": "application/json"}  # the admin API changes state only on JSON requests


class RunningMock:
    def __init__(self, base_url: str, app: MockApp | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.app = app
        self.admin = httpx.Client(base_url=f"{self.base_url}/__mock", timeout=10)

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

    def credentials(self) -> dict[str, Any]:
        return self.admin.get("/credentials").json()

    def approve(self, business_id: str, adaccount_id: str) -> dict[str, Any]:
        response = self.admin.post("/pending/approve", json={"business_id": business_id, "adaccount_id": adaccount_id})
        response.raise_for_status()
        return response.json()


@contextmanager
def serve_in_thread(settings: Settings | None = None, app: MockApp | None = None) -> Iterator[RunningMock]:
    """The mock on 127.0.0.1 and a free port, in a daemon thread; stopped and joined on exit."""
    app = app or create_app(settings or Settings())
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="mockserver", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the mock server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    running = RunningMock(f"http://127.0.0.1:{port}", app)
    try:
        yield running
    finally:
        running.close()
        server.should_exit = True
        thread.join(timeout=10)
