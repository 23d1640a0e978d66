"""The admin API off loopback (docs/decisions.md): with a token, only a caller sending it; without, off; the
two APIs served either way. The server binds 0.0.0.0 (every interface); `serving` and the tests send to
127.0.0.1 only."""

from __future__ import annotations

import httpx
import pytest

from mockserver.controls.admin_guard import is_loopback
from mockserver.settings import Settings
from mockserver.testing import serve_in_thread
from tests.conftest import DOC_KEY
from tests.mock.test_cli import serving

TOKEN = "s3cret-admin-token-0123456789"
KEY = {"x-api-key": DOC_KEY}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True), ("[::1]", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("mock.internal", False)],
)  # fmt: skip
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_off_loopback_without_a_token_the_admin_api_is_off_and_the_apis_served() -> None:
    with serving("--host", "0.0.0.0") as (base, process):
        off = httpx.post(f"{base}/__mock/reset")
        assert off.status_code == 403 and "--admin-token" in off.json()["error"]["message"]
        assert httpx.get(f"{base}/__mock/credentials").status_code == 403
        assert httpx.get(f"{base}/v1/accounts", headers=KEY).status_code == 200
        process.terminate()
        assert (
            "Admin API: DISABLED: bound to 0.0.0.0 (not loopback) without --admin-token"
            in process.communicate(timeout=10)[1]
        )


def test_off_loopback_the_admin_api_needs_the_bearer_token_which_is_never_logged() -> None:
    with serving("--host", "0.0.0.0", env={"MOCK_ADMIN_TOKEN": TOKEN}) as (base, process):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"X-Token": TOKEN}):
            denied = httpx.post(f"{base}/__mock/reset", headers=headers)
            assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Bearer")
            assert TOKEN not in denied.text
        allowed = httpx.post(f"{base}/__mock/reset", json={}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert allowed.status_code == 200 and allowed.json()["status"] == "reset"
        assert httpx.get(f"{base}/v1/accounts", headers=KEY).status_code == 200
        process.terminate()
        output = process.communicate(timeout=10)[1]
    assert "requires 'Authorization: Bearer <admin token>'" in output and TOKEN not in output


def test_on_loopback_the_admin_api_is_open() -> None:
    with serving("--admin-token", TOKEN) as (base, _):
        assert httpx.get(f"{base}/__mock/health").json()["status"] == "ok"


def test_off_loopback_the_bearer_scheme_is_case_insensitive() -> None:
    with serving("--host", "0.0.0.0", env={"MOCK_ADMIN_TOKEN": TOKEN}) as (base, _):
        for scheme in ("bearer", "BEARER", "Bearer"):
            allowed = httpx.get(f"{base}/__mock/health", headers={"Authorization": f"{scheme} {TOKEN}"})
            assert allowed.status_code == 200, scheme


def test_on_loopback_a_foreign_host_is_refused_unless_named_by_admin_host() -> None:
    """DNS rebinding: a page on evil.example re-pointed at 127.0.0.1 reaches the socket with its own Host."""
    with serve_in_thread(Settings(admin_hosts=("mock.test",))) as running:
        port = running.base_url.rsplit(":", 1)[1]
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "mock.test", f"MOCK.test:{port}"):
            assert httpx.get(f"{running.base_url}/__mock/health", headers={"Host": host}).status_code == 200, host
        for host in (f"evil.example:{port}", "evil.example", "127.0.0.1.evil.example"):
            refused = httpx.post(f"{running.base_url}/__mock/reset", json={}, headers={"Host": host})
            assert refused.status_code == 403 and "--admin-host" in refused.json()["error"]["message"], host
        assert httpx.get(f"{running.base_url}/v1/accounts", headers={**KEY, "Host": "evil.example"}).status_code == 200


def test_a_token_opens_the_admin_api_to_any_host() -> None:
    with serve_in_thread(Settings(admin_token=TOKEN)) as running:
        headers = {"Host": "evil.example", "Authorization": f"bearer {TOKEN}"}
        assert httpx.get(f"{running.base_url}/__mock/health", headers=headers).status_code == 200
