"""What the proxy answers when the upstream gives no HTTP answer (refused, hanging past the timeout, a TLS failure,
garbage), and the `mockserver proxy` command as a CI job runs it: SIGTERM prints the summary, writes the JUnit file
and sets the exit code."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from mockserver.testing import RunningMock, free_port
from tests.conftest import DOC_KEY, EDGE, TOKEN
from tests.proxy.support import proxy_to


@contextmanager
def raw_server(reply: bytes | None) -> Iterator[str]:
    """A TCP server on 127.0.0.1 that reads a request and writes `reply` then closes, or (None) never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    connections: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connections.append(connection)
            connection.recv(65536)
            if reply is not None:
                connection.sendall(reply)
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (close alone does not, on Linux)
        listener.close()
        for connection in connections:
            connection.close()
        thread.join(timeout=5)


def closed_port() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.mark.parametrize(
    ("upstream", "status", "rule", "words"),
    [
        (lambda: contextmanager(lambda: iter([closed_port()]))(), 502, "upstream.unreachable", "connection refused"),
        (lambda: raw_server(None), 504, "upstream.timeout", "no answer in time"),
        (lambda: raw_server(b"SSH-2.0-OpenSSH_9.6\r\n\r\nnot http at all"), 502, "upstream.unreachable", "not HTTP"),
    ],
    ids=["refused", "hangs", "garbage"],
)
def test_upstream_failure_is_answered_in_the_api_envelope(upstream, status: int, rule: str, words: str) -> None:  # type: ignore[no-untyped-def]
    with upstream() as url, proxy_to(url, timeout=0.5, connect_timeout=0.5) as (base, proxy):
        klayrai = httpx.get(f"{base}/v1/accounts", headers={"x-api-key": DOC_KEY}, timeout=10)
        graph = httpx.get(f"{base}{EDGE}", params={"access_token": TOKEN}, timeout=10)
    assert klayrai.status_code == graph.status_code == status
    assert klayrai.headers["x-contract-violations"] == graph.headers["x-contract-violations"] == rule
    error = klayrai.json()["error"]
    assert error["code"] == "api_error" and words in error["message"]
    assert error["request_id"] == klayrai.headers["x-request-id"]
    graph_error = graph.json()["error"]
    assert graph_error["code"] == 1 and graph_error["is_transient"] is True and words in graph_error["message"]
    assert graph.headers["www-authenticate"].startswith('OAuth "Facebook Platform" "unknown_error"')
    assert proxy.log.tallies[rule].count == 2


def test_tls_failure_is_a_502(mockserver: RunningMock) -> None:
    https = mockserver.base_url.replace("http://", "https://")  # a plain HTTP server: the TLS handshake fails
    with proxy_to(https, timeout=2, connect_timeout=2) as (base, _):
        answer = httpx.get(f"{base}/v1/accounts", headers={"x-api-key": DOC_KEY}, timeout=10)
    assert answer.status_code == 502 and answer.headers["x-contract-violations"] == "upstream.unreachable"
    assert "TLS handshake failed" in answer.json()["error"]["message"]


def test_ci_run_sigterm_prints_the_summary_writes_junit_and_fails(mockserver: RunningMock, tmp_path: Path) -> None:
    port, junit = free_port(), tmp_path / "reports" / "proxy.xml"
    command = [sys.executable, "-m", "mockserver", "proxy", "--port", str(port), "--upstream", mockserver.base_url]
    process = subprocess.Popen(
        [*command, "--junit", str(junit), "--fail-on-violation", "--log-level", "warning"],
        env=os.environ,
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
                assert time.monotonic() < deadline, "the proxy did not come up"
                time.sleep(0.05)
        assert httpx.get(f"{base}/v1/accounts", headers={"x-api-key": DOC_KEY}).status_code == 200
        assert httpx.get(f"{base}/v1/accounts", params={"pageSize": 2}, headers={"x-api-key": DOC_KEY}).is_error
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 1
    assert "contract proxy: 2 exchanges, 1 violations of 1 rules" in stderr
    assert "request.parameters  x1" in stderr and "pageSize=2" in stderr and DOC_KEY not in stderr
    assert "Traceback" not in stderr
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    failed = [case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None]
    assert failed == ["request.parameters"]
    assert "klayrai.pagination.has_more" in {case.get("name") for case in suite.iter("testcase")}
