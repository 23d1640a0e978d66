"""Targets that misbehave below HTTP: a TCP front on 127.0.0.1 that reads each request and, depending on it, closes
the connection without answering, never answers, answers late, trickles the answer's body out a byte at a time,
floods an endless body, or passes it on to a mock behind it.

Realistic stand-ins for a handler that crashes the worker on some inputs, a request stuck on a lock, an
overloaded service, a proxy stalling on a slow upstream, or a handler streaming a whole table. Every request goes
to the mock on its own upstream connection with `Connection: close`, so the front never has to parse a response:
it relays bytes until the mock closes.
"""

from __future__ import annotations

import re
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote_plus

from mockserver.http.app import MockApp, create_app
from mockserver.settings import Settings
from mockserver.testing import serve_in_thread

HEAD_LIMIT = 64 * 1024
FOREVER = 600.0  # what "never answers" means for the front: far beyond any request timeout of the kit
FLOOD_BYTES = 300 * 1024 * 1024


@dataclass(frozen=True)
class Action:
    """What the front does with one request: `drop` (close unanswered), `hang` (never answer), `trickle` (pass it
    on, then relay the answer's head at once and its body a byte every `delay` seconds), `flood` (answer 200 with
    `size` bytes of body, no Content-Length), else pass it on after `delay` seconds."""

    kind: str = "forward"
    delay: float = 0.0
    size: int = 0


FORWARD = Action()
DROP = Action("drop")
HANG = Action("hang")
Decide = Callable[[str], Action]  # the decoded request line (`GET /v1/accounts?page=2 HTTP/1.1`) -> what to do


def read_request(client: socket.socket) -> tuple[bytes, bytes] | None:
    """(head, body) of the next request on the connection; None when the client closed it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk or len(data) > HEAD_LIMIT:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head, body


def closing(head: bytes) -> bytes:
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n"


class Front(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: tuple[str, int], decide: Decide) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.upstream = upstream
        self.decide = decide
        self.stopping = threading.Event()


class Handler(socketserver.BaseRequestHandler):
    server: Front

    def handle(self) -> None:
        client: socket.socket = self.request
        request = read_request(client)
        if request is None:
            return
        head, body = request
        action = self.server.decide(unquote_plus(head.split(b"\r\n", 1)[0].decode("latin-1")))
        if action.kind == "drop":
            return  # the handler returning closes the connection: no status line, no byte of an answer
        if action.kind == "hang":
            client.settimeout(0.2)
            deadline = time.monotonic() + FOREVER
            while not self.server.stopping.is_set() and time.monotonic() < deadline:
                try:
                    if not client.recv(1):
                        return  # the client gave up
                except TimeoutError:
                    continue
            return
        if action.kind == "flood":
            return self.flood(client, action.size)
        if action.kind != "trickle" and self.server.stopping.wait(action.delay):
            return
        with socket.create_connection(self.server.upstream, timeout=30) as upstream:
            upstream.sendall(closing(head) + body)
            if action.kind == "trickle":
                return self.trickle(client, upstream, action.delay)
            while chunk := upstream.recv(65536):
                client.sendall(chunk)

    def trickle(self, client: socket.socket, upstream: socket.socket, delay: float) -> None:
        answer = b"".join(iter(lambda: upstream.recv(65536), b""))
        head, _, body = answer.partition(b"\r\n\r\n")
        try:
            client.sendall(head + b"\r\n\r\n")
            for byte in body:
                if self.server.stopping.wait(delay):
                    return
                client.sendall(bytes([byte]))
        except OSError:
            return  # the client gave up

    def flood(self, client: socket.socket, size: int) -> None:
        chunk = b" " * 65536  # JSON whitespace: valid until the `{}` that would end it
        try:
            client.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
            for _ in range(size // len(chunk)):
                if self.server.stopping.is_set():
                    return
                client.sendall(chunk)
            client.sendall(b"{}")
        except OSError:
            return  # the client gave up


@contextmanager
def serve_behind_front(decide: Decide, app: MockApp | None = None) -> Iterator[str]:
    """The mock (or `app`) behind a misbehaving front; yields the front's base URL."""
    with serve_in_thread(app=app or create_app(Settings(log_level="warning"))) as mock:
        host, port = mock.base_url.removeprefix("http://").split(":")
        front = Front((host, int(port)), decide)
        thread = threading.Thread(target=front.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{front.server_address[1]}"
        finally:
            front.stopping.set()
            front.shutdown()
            front.server_close()
            thread.join(timeout=10)


# ---- the misbehaving targets: request line -> action


def drops_on_some_inputs(line: str) -> Action:
    """The worker crashes (the connection closes unanswered) on `status=token_expired` and `summary=total_count`."""
    return DROP if "status=token_expired" in line or "summary=total_count" in line else FORWARD


def drops_on_hostile_input(line: str) -> Action:
    """The worker crashes on a query with a non-ASCII or control character (a handler that assumes tidy ASCII)."""
    return DROP if any(not 32 <= ord(char) < 127 for char in line) else FORWARD


def hangs_on_some_inputs(line: str) -> Action:
    """A request stuck on a lock: no answer ever to a KlayrAI page beyond the first, or a Graph `search_query`."""
    stuck = "/v1/" in line and re.search(r"[?&]page=2[& ]", line) is not None
    return HANG if stuck or "search_query=" in line else FORWARD


def answers_slowly(line: str) -> Action:
    """Every answer takes 0.4 s: an overloaded service, correct but slow."""
    return Action(delay=0.4)


def trickles_every_body(line: str) -> Action:
    """Every answer's head comes at once, then its body a byte every 50 ms: never complete within a deadline."""
    return Action("trickle", delay=0.05)


def floods_every_answer(line: str) -> Action:
    """Every request gets 200 with a 300 MB body, streamed without Content-Length."""
    return Action("flood", size=FLOOD_BYTES)


def forwards_everything(line: str) -> Action:
    """Not a fault: the front passes every request on (the control of the other three)."""
    return FORWARD


TRANSPORT_FAULTS: list[Decide] = [drops_on_some_inputs, drops_on_hostile_input, hangs_on_some_inputs, answers_slowly]
