"""The proxy's own surface: its `/__mock/` has the mock's admin guard (no CORS, JSON-only, loopback Host, token off
loopback), and its violations, summary and JUnit file keep no secret whole, even one an upstream echoes back."""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mockserver.contract.secrets import mask
from mockserver.testing import serve_app
from tests.conftest import DOC_KEY, EDGE, TOKEN
from tests.proxy.support import proxy_to

ADMIN_TOKEN = "proxy-admin-token-0123456789"


async def echo(request: Request) -> JSONResponse:
    """An upstream that breaks the contract by echoing the request's URL (and so its token) as a list's `data`."""
    return JSONResponse({"data": str(request.url), "secret": request.headers.get("x-api-key")})


echoing = Starlette(routes=[Route("/{path:path}", echo)])


def test_no_secret_whole_in_violations_summary_or_junit(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    with serve_app(echoing) as upstream, proxy_to(upstream, junit=junit) as (base, app):
        with httpx.Client(base_url=base, timeout=10) as client:
            assert client.get(EDGE, params={"access_token": TOKEN}).headers.get("x-contract-violations")
            client.get("/v1/accounts", headers={"x-api-key": DOC_KEY})
            violations = client.get("/__mock/violations").text
            journal = client.get("/__mock/journal").text
        summary = app.log.summary()
    texts = {"violations": violations, "journal": journal, "summary": summary, "junit": junit.read_text()}
    for name, text in texts.items():
        assert TOKEN not in text and DOC_KEY not in text, name
    assert mask(TOKEN) in violations


def test_the_proxy_admin_api_is_guarded_like_the_mock() -> None:
    with serve_app(echoing) as upstream, proxy_to(upstream) as (base, _):
        preflight = httpx.options(
            f"{base}/__mock/journal",
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "DELETE"},
        )
        assert "access-control-allow-origin" not in preflight.headers
        got = httpx.get(f"{base}/__mock/violations", headers={"Origin": "http://evil.example"})
        assert got.status_code == 200 and "access-control-allow-origin" not in got.headers
        assert httpx.delete(f"{base}/__mock/journal").status_code == 415  # not JSON: a page could forge it
        assert httpx.get(f"{base}/__mock/health", headers={"Host": "evil.example"}).status_code == 403
    with serve_app(echoing) as upstream, proxy_to(upstream, host="0.0.0.0") as (base, _):
        assert httpx.get(f"{base}/__mock/health").status_code == 403  # off loopback, no token: off
    with serve_app(echoing) as upstream, proxy_to(upstream, host="0.0.0.0", admin_token=ADMIN_TOKEN) as (base, _):
        assert httpx.get(f"{base}/__mock/health").status_code == 401
        auth = {"Authorization": f"bearer {ADMIN_TOKEN}"}
        assert httpx.get(f"{base}/__mock/health", headers=auth).status_code == 200
