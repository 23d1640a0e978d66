"""The proxy's own bounds, on real sockets and processes: a whole-exchange deadline to the upstream (an answer that
trickles in is cut too), a cap on the upstream answer's size, a stop within seconds of SIGTERM while a request
hangs, and loops (a proxy at itself, or two at each other) refused at start-up or answered 508."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest

from mockserver.cli import main as cli_main
from mockserver.testing import free_port, stop_group
from tests.conftest import DOC_KEY, EDGE, TOKEN
from tests.proxy.support import proxy_to
from tests.proxy.test_upstream import raw_server

KEY = {"x-api-key": DOC_KEY}
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n"


@contextmanager
def trickling_server() -> Iterator[str]:
    """An upstream that answers at once, then sends its body one byte every 0.1 s: no single read ever waits long."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            connection.recv(65536)
            connection.sendall(HEAD)
            while not stop.is_set():
                try:
                    connection.sendall(b" ")
                except OSError:
                    return
                time.sleep(0.1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(timeout=5)


def test_an_answer_that_trickles_in_is_cut_at_the_whole_exchange_deadline() -> None:
    with trickling_server() as url, proxy_to(url, timeout=1.0) as (base, _):
        started = time.monotonic()
        answer = httpx.get(f"{base}/v1/accounts", headers=KEY, timeout=30)
        waited = time.monotonic() - started
    assert answer.status_code == 504 and answer.headers["x-contract-violations"] == "upstream.timeout"
    assert waited < 5


def test_an_upstream_answer_over_the_cap_is_a_502_naming_it(mockserver) -> None:  # type: ignore[no-untyped-def]
    with proxy_to(mockserver.base_url, max_answer_bytes=200) as (base, _):
        answer = httpx.get(f"{base}/v1/accounts", headers=KEY, timeout=10)
    assert answer.status_code == 502 and answer.headers["x-contract-violations"] == "upstream.too_large"
    assert "larger than 200 bytes" in answer.json()["error"]["message"]


def start_proxy(port: int, upstream: str, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "mockserver", "proxy", "--port", str(port), "--upstream", upstream, *args]
    process = subprocess.Popen(command, env=os.environ, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            httpx.get(f"http://127.0.0.1:{port}/__mock/health", timeout=1)
            return process
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the proxy did not come up"
            time.sleep(0.05)


def test_sigterm_stops_the_proxy_within_seconds_while_a_request_hangs() -> None:
    with raw_server(None) as url:
        port = free_port()
        process = start_proxy(port, url, "--timeout", "120")
        try:
            hanging = threading.Thread(
                target=lambda: httpx.get(f"http://127.0.0.1:{port}/v1/accounts", headers=KEY, timeout=60), daemon=True
            )
            hanging.start()
            time.sleep(0.5)  # the request is in flight, waiting on the upstream
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
            assert time.monotonic() - started < 8
        finally:
            stop_group(process)


def test_two_proxies_at_each_other_answer_508_not_loop() -> None:
    first, second = free_port(), free_port()
    with ExitStack() as stack:
        a = start_proxy(first, f"http://127.0.0.1:{second}")
        stack.callback(stop_group, a)
        b = start_proxy(second, f"http://127.0.0.1:{first}")
        stack.callback(stop_group, b)
        answer = httpx.get(f"http://127.0.0.1:{first}{EDGE}", params={"access_token": TOKEN}, timeout=30)
        assert answer.status_code == 508
        assert answer.json()["error"]["code"] == 1 and "Loop Detected" in answer.json()["error"]["message"]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_an_upstream_at_the_proxys_own_address_is_refused_at_start(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["proxy", "--port", "4999", "--upstream", f"http://{host}:4999"]) == 2
    assert "is this proxy's own address" in capsys.readouterr().err


def test_a_deeply_nested_upstream_answer_is_judged_not_a_crash() -> None:
    body = b'{"paging": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    reply = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    with raw_server(reply) as url, proxy_to(url) as (base, proxy):
        answer = httpx.get(f"{base}{EDGE}", params={"access_token": TOKEN}, timeout=10)
    assert answer.status_code == 200 and answer.content == body  # relayed as it came
    assert "nests too deeply" in proxy.log.tallies["response.schema"].first_message
