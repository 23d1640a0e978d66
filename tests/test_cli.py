"""The `mockserver` command as a user runs it: a real process, a real port, flags and environment variables."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import DOC_KEY

MOCKSERVER = [sys.executable, "-m", "mockserver.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [*MOCKSERVER, "serve", "--port", str(port), *args],
        env={**os.environ, **(env or {})},
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                httpx.get(f"{base}/__mock/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.05)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def test_serve_prints_where_and_how_and_answers() -> None:
    with serving("--cors-origin", "http://localhost:5173") as (base, process):
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
    assert DOC_KEY in banner and "EAAGagency0valid0token" in banner
    assert "Traceback" not in banner


def test_environment_variables_configure_the_server(tmp_path: Path) -> None:
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text("scenarios: [{name: down, respond: {code: 500}}]\n", encoding="utf-8")
    env = {"MOCK_SCENARIOS": str(scenarios), "MOCK_LATENCY": "5-10", "MOCK_VALIDATE_RESPONSES": "false"}
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
    ],
)
def test_bad_configuration_exits_2_with_a_clear_message(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "s.yaml").write_text("scenarios: [{name: a, respond: {code: 418}}]\n", encoding="utf-8")
    argv = [a.format(dir=tmp_path) for a in args]
    result = subprocess.run([*MOCKSERVER, "serve", "--port", "0", *argv], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_help_says_whether_responses_are_validated() -> None:
    result = subprocess.run([*MOCKSERVER, "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert "--validate-responses" in result.stdout and "MOCK_VALIDATE_RESPONSES" in result.stdout


def test_world_command_writes_a_loadable_world(tmp_path: Path) -> None:
    out = tmp_path / "world.yaml"
    subprocess.run([*MOCKSERVER, "world", "--seed", "3", "--size", "12", "--format", "yaml", "--out", str(out)],
                   check=True, timeout=60)  # fmt: skip
    with serving("--world", str(out)) as (base, _):
        body = httpx.get(f"{base}/v1/accounts", headers={"x-api-key": "klyr_live_agency2bigworkspace01"}).json()
        assert body["pagination"]["total"] == 12


def test_examples_command_writes_validated_payloads(tmp_path: Path) -> None:
    subprocess.run([*MOCKSERVER, "examples", "--operation", "listAccounts", "--out", str(tmp_path)], check=True,
                   timeout=120)  # fmt: skip
    statuses = {p.name for p in (tmp_path / "listAccounts").iterdir()}
    assert statuses == {"200", "400", "401", "403", "429", "500"}
    assert (tmp_path / "listAccounts" / "200" / "seed_page.json").is_file()
