"""Running the validating proxy in tests: any ASGI app on a real socket (lifespan on, so the proxy's shutdown
report runs), the proxy in front of an upstream, and a client's traffic to send through it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import httpx

from mockserver.proxy.app import ProxyApp
from mockserver.proxy.settings import ProxySettings
from mockserver.testing import serve_app
from tests.conftest import AGENCY, BIG_KEY, DOC_KEY, EDGE, OTHER_AGENCY, STARTER_KEY, TOKEN


@contextmanager
def proxy_to(upstream: str, **options: Any) -> Iterator[tuple[str, ProxyApp]]:
    """The proxy in front of `upstream`: `(its base URL, the app)`."""
    settings = replace(ProxySettings(klayrai_upstream=upstream, graph_upstream=upstream), **options)
    app = ProxyApp(settings)
    with serve_app(app) as base:
        yield base, app


EXPIRED = {"status": "token_expired", "page_size": 99}  # fewer than 99 in the large workspace: one short page
# A client's traffic that the contract allows (every request valid; some answers are documented errors) ...
VALID: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/v1/accounts", {"headers": {"x-api-key": DOC_KEY}}),
    ("GET", "/v1/accounts", {"headers": {"x-api-key": BIG_KEY}, "params": {"page": 2, "page_size": 50}}),
    ("GET", "/v1/accounts", {"headers": {"x-api-key": DOC_KEY}, "params": {"page_size": 2}}),
    ("GET", "/v1/accounts", {"headers": {"x-api-key": BIG_KEY}, "params": EXPIRED}),
    ("GET", "/v1/accounts", {"headers": {"x-api-key": BIG_KEY, "klayrai-version": "2026-03-01"}}),
    ("GET", "/v1/accounts", {"headers": {"x-api-key": STARTER_KEY}}),
    ("GET", "/v1/accounts", {"headers": {"x-api-key": "klyr_live_unknownkey000000001"}}),
    ("GET", EDGE, {"params": {"access_token": TOKEN}}),
    ("GET", EDGE, {"params": {"access_token": TOKEN, "limit": 1}}),
    ("GET", EDGE, {"params": {"access_token": TOKEN, "fields": "name", "limit": 3}}),
    ("GET", EDGE, {"params": {"access_token": TOKEN, "fields": "name,account_status", "summary": "true"}}),
    ("GET", EDGE, {"params": {"access_token": TOKEN, "search_query": "acme", "fields": "name"}}),
    ("GET", EDGE, {"headers": {"authorization": f"Bearer {TOKEN}"}, "params": {"limit": 2}}),
    ("GET", EDGE, {"params": {"access_token": "EAAGunknown0token0000"}}),
    ("GET", f"/v25.0/{OTHER_AGENCY}/client_ad_accounts", {"params": {"access_token": TOKEN}}),
    ("POST", EDGE, {"params": {"access_token": TOKEN}, "data": {"adaccount_id": "act_000000000001"}}),
]
# ... and requests that break it, which a correct backend refuses.
INVALID: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/v1/accounts", {"headers": {"x-api-key": DOC_KEY}, "params": {"pageSize": 5}}),
    ("GET", "/v1/accounts", {"headers": {"x-api-key": DOC_KEY}, "params": {"page": 0}}),
    ("GET", "/v1/accounts", {"headers": {"x-api-key": DOC_KEY, "klayrai-version": "1999-01-01"}}),
    ("GET", "/v1/accounts", {}),
    ("GET", EDGE, {}),
    ("GET", EDGE, {"params": {"access_token": TOKEN, "fields": "name,nonexisting_field"}}),
    ("GET", EDGE, {"params": {"access_token": TOKEN, "limit": 0}}),
    ("POST", EDGE, {"params": {"access_token": TOKEN}, "data": {"adaccount_id": "act_1", "permitted_tasks": '["X"]'}}),
    ("GET", f"/v25.0/{AGENCY}/no_such_edge", {"params": {"access_token": TOKEN}}),
]


def send(base: str, traffic: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
    with httpx.Client(base_url=base, timeout=30) as client:
        return [client.request(method, path, **options) for method, path, options in traffic]
