"""The in-process mock the realistic payloads come from: one request at a time, its status checked and its body
recorded with stable ids, the rate-limit clock frozen at the world's `now`."""

from __future__ import annotations

import base64
import hashlib
import warnings
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import httpx

from mockserver.examples.payload import BASE_URL, ExamplesError, Json, Payload
from mockserver.settings import Settings

Script = Callable[["PayloadProbe"], Awaitable[None]]


def stable_ids(operation: str, status: int, name: str, body: Any) -> Any:
    """The body with the mock's per-request error ids replaced by ids derived from the payload's name."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return body
    digest = hashlib.sha256(f"{operation}/{status}/{name}".encode()).digest()
    error = dict(error)
    if "request_id" in error:
        error["request_id"] = "req_" + digest[:8].hex()
    if "fbtrace_id" in error:
        error["fbtrace_id"] = base64.urlsafe_b64encode(digest[:17]).decode().rstrip("=")
    return {**body, "error": error}


class PayloadProbe:
    """Asks the in-process mock, checks the status it answers, and records the body as a payload."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.found: list[Payload] = []

    async def admin(self, path: str, body: Json | None = None) -> None:
        response = await self.client.post(f"/__mock/{path}", json=body, headers={"content-type": "application/json"})
        if response.status_code not in (200, 201):
            raise ExamplesError(f"admin API /__mock/{path} answered {response.status_code}: {response.text[:300]}")

    async def ask(
        self,
        operation: str,
        status: int,
        name: str | None,
        path: str,
        method: str = "GET",
        *,
        reset: bool = True,
        **request: Any,
    ) -> Any:
        """One request; its body is recorded under `name` (not at all when None), ids made stable."""
        if method == "POST" and reset:
            await self.admin("reset")  # every POST outcome from the seeded world, not from the POST before it
        response = await self.client.request(method, path, **request)
        where = f"{operation}/{status}/{name}"
        if response.status_code != status:
            raise ExamplesError(f"{where}: the mock answered {response.status_code}, not {status}: {response.text}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ExamplesError(f"{where}: the mock's answer is not JSON: {exc}") from None
        if name is not None:
            self.found.append(Payload(operation, status, name, stable_ids(operation, status, name, body), "realistic"))
        return body


async def ask_the_mock(settings: Settings, scripts: Mapping[str, Script], operations: list[str]) -> list[Payload]:
    """Run the script of each operation against one in-process mock on `settings`' world, reset after each."""
    with warnings.catch_warnings():  # connexion 3.3 imports starlette.testclient, which warns on import
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from mockserver.http.app import create_app

    app = create_app(settings)
    now = datetime.fromisoformat(app.mock.store.world.now.replace("Z", "+00:00")).timestamp()
    app.mock.limiter.clock = lambda: now  # Retry-After and its message from the world's time, not the wall clock
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        probe = PayloadProbe(client)
        for operation in operations:
            await scripts[operation](probe)
            await probe.admin("reset")
    return probe.found
