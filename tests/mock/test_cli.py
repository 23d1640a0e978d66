"""The `mockserver` command as a user runs it: a real process, a real port, flags and environment variables."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from mockserver.cli import build_parser
from mockserver.testing import serve_process
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import AGENCY, BIG_KEY, DOC_KEY, TOKEN
from tests.redis_server import RedisServer

MOCKSERVER = [sys.executable, "-m", "mockserver.cli"]


@pytest.fixture(params=["granian", "uvicorn"])
def server(request: pytest.FixtureRequest) -> str:
    """The tests that serve run on each server `--server` offers (granian is the default)."""
    return request.param


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with serve_process([*MOCKSERVER, "serve", *args], env={**os.environ, **(env or {})}) as (running, process):
        yield running.base_url, process


def test_serve_prints_where_and_how_and_answers(server: str) -> None:
    with serving("--server", server, "--cors-origin", "http://localhost:5173") as (base, process):
        response = httpx.get(f"{base}/v1/accounts", headers={"x-api-key": DOC_KEY, "Origin": "http://localhost:5173"})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
        assert "x-request-id" in response.headers["access-control-expose-headers"]
        preflight = httpx.options(f"{base}/v1/accounts", headers={
            "Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-api-key,klayrai-version"})  # fmt: skip
        assert preflight.status_code == 200
        assert httpx.get(f"{base}/ui/").status_code == 200
        process.terminate()
        banner = process.communicate(timeout=10)[1]
    assert f"Mock server on {base}" in banner and f"{base}/ui/" in banner
    assert DOC_KEY in banner and TOKEN in banner
    assert "Traceback" not in banner
    assert banner.count("Mock server on") == 1


def test_workers_share_one_port_and_the_banner_is_printed_once(server: str, redis_server: RedisServer) -> None:
    with serving("--server", server, "--workers", "2", "--state", redis_server.url()) as (base, process):
        assert httpx.post(f"{base}/__mock/reset", json={}).status_code == 200  # the session's Redis is shared
        edge, token = f"{base}/v25.0/{AGENCY}/client_ad_accounts", {"access_token": TOKEN}
        count = {**token, "summary": "true", "limit": "1"}
        before = httpx.get(edge, params=count).json()["summary"]["total_count"]
        created = httpx.post(edge, params=token, data={"adaccount_id": POST_OUTCOMES["confirmed"]})
        assert created.json() == {"access_status": "CONFIRMED"}
        for _ in range(10):  # fresh connections, spread over the workers by the kernel: each sees the POST
            assert httpx.get(edge, params=count).json()["summary"]["total_count"] == before + 1
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children]
        assert sum(b"resource_tracker" not in command for command in commands) == 2
        process.terminate()
        log = process.communicate(timeout=10)[1]
    assert log.count("Mock server on") == 1 and "Traceback" not in log and "Warning" not in log


def test_environment_variables_configure_the_server(tmp_path: Path, server: str) -> None:
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text("scenarios: [{name: down, respond: {code: 500}}]\n", encoding="utf-8")
    env = {"MOCK_SCENARIOS": str(scenarios), "MOCK_LATENCY": "5-10", "MOCK_VALIDATE_RESPONSES": "false",
           "MOCK_SERVER": server}  # fmt: skip
    with serving(env=env) as (base, process):
        assert httpx.get(f"{base}/v1/accounts", headers={"x-api-key": DOC_KEY}).status_code == 500
        process.terminate()
        assert "NOT validated" in process.communicate(timeout=10)[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenarios", "{dir}/s.yaml"], "scenarios[0].respond: Status 418 is not documented"),
        (["--world", "{dir}/missing.json"], "cannot read world file"),
        (["--latency", "9-1"], "latency must be"),
        (["--rate-limit", "0/10"], "rate limit must be"),
        (["--server", "gunicorn"], "unknown server 'gunicorn': choose one of granian, uvicorn"),
        (["--workers", "0"], "workers must be at least 1"),
    ],
)
def test_bad_configuration_exits_2_with_a_clear_message(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "s.yaml").write_text("scenarios: [{name: a, respond: {code: 418}}]\n", encoding="utf-8")
    argv = [a.format(dir=tmp_path) for a in args]
    result = subprocess.run([*MOCKSERVER, "serve", "--port", "0", *argv], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("mockserver: ") and message in result.stderr and "Traceback" not in result.stderr


def test_help_says_whether_responses_are_validated() -> None:
    result = subprocess.run([*MOCKSERVER, "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert "--validate-responses" in result.stdout and "MOCK_VALIDATE_RESPONSES" in result.stdout


def test_world_command_writes_a_loadable_world(tmp_path: Path) -> None:
    out = tmp_path / "world.yaml"
    subprocess.run([*MOCKSERVER, "world", "--seed", "3", "--size", "12", "--format", "yaml", "--out", str(out)],
                   check=True, timeout=60)  # fmt: skip
    with serving("--world", str(out)) as (base, _):
        body = httpx.get(f"{base}/v1/accounts", headers={"x-api-key": BIG_KEY}).json()
        assert body["pagination"]["total"] == 12


def test_examples_command_writes_validated_payloads(tmp_path: Path) -> None:
    subprocess.run([*MOCKSERVER, "examples", "--operation", "listAccounts", "--out", str(tmp_path)], check=True,
                   timeout=120)  # fmt: skip
    statuses = {p.name for p in (tmp_path / "listAccounts").iterdir()}
    assert statuses == {"200", "400", "401", "403", "429", "500"}
    assert (tmp_path / "listAccounts" / "200" / "seed_page.json").is_file()


def test_serve_and_proxy_keep_their_own_default_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` answers on 4010 as the README says, `proxy` on 4020: neither command's default leaks into the other."""
    for name in ("MOCK_PORT", "MOCK_PROXY_PORT"):
        monkeypatch.delenv(name, raising=False)
    parser = build_parser()
    assert parser.parse_args(["serve"]).port == 4010
    assert parser.parse_args(["proxy", "--upstream", "http://127.0.0.1:1"]).port == 4020
    monkeypatch.setenv("MOCK_PROXY_PORT", "4030")
    assert build_parser().parse_args(["serve"]).port == 4010
