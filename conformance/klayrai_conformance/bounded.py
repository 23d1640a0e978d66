"""Reading an answer within bounds, for the probes' httpx calls and schemathesis' requests calls alike.

A client's timeout bounds each socket read, not the exchange: a target that answers 200 and then trickles its body
a byte at a time never trips it. So every body is read under a whole-exchange deadline (`--deadline`, default the
request timeout) that a watchdog enforces by shutting the socket down, and only up to a cap (`--max-body-bytes`),
so that neither a slow nor a huge answer can hold a run past its budget or its memory. An answer cut either way is
an `AnswerCut`: a finding about the target (`transport.deadline`, `transport.body_too_large`), never a crash.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import httpx
import requests

from klayrai_conformance.exchange import NoAnswer

CHUNK_BYTES = 64 * 1024
DEADLINE, TOO_LARGE, BUDGET = "deadline", "too_large", "budget"
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024  # of one answer: far above any page of either API, far below a memory problem


@dataclass(frozen=True)
class Bounds:
    """How long one exchange may take in all (`deadline`, seconds) and how many body bytes the kit reads of it."""

    deadline: float
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES


class AnswerCut(requests.RequestException):
    """The target began an answer the kit had to cut: not complete by the deadline, or larger than the cap. A
    `requests` exception so that schemathesis reports it like any other network failure, with its request."""

    def __init__(self, no_answer: NoAnswer, request: object = None) -> None:
        super().__init__(no_answer.detail, request=request)
        self.no_answer = no_answer


class Watch:
    """One socket under watch: shut down when its time comes (`fire`), unless released first (`done`)."""

    def __init__(self, sock: socket.socket | None) -> None:
        self.sock, self.fired, self.lock = sock, False, threading.Lock()

    def fire(self) -> None:
        with self.lock:
            if self.sock is None:
                return
            self.fired = True
            with contextlib.suppress(OSError):  # already closed: the read ends anyway
                self.sock.shutdown(socket.SHUT_RDWR)

    def done(self) -> bool:
        """Stop watching; True when the socket had already been cut."""
        with self.lock:
            self.sock = None
            return self.fired


class Watchdog:
    """One thread for every exchange of the process (a thread per exchange would cost more than a small answer):
    shuts each watched socket down at its time, which unblocks a read stuck on it."""

    def __init__(self) -> None:
        self.due: list[tuple[float, int, Watch]] = []
        self.changed = threading.Condition()
        self.numbers = itertools.count()
        self.thread: threading.Thread | None = None

    def watch(self, sock: socket.socket | None, at: float) -> Watch:
        watch = Watch(sock)
        if sock is None:
            return watch
        with self.changed:
            heapq.heappush(self.due, (at, next(self.numbers), watch))
            if self.thread is None:
                self.thread = threading.Thread(target=self.run, name="kit-watchdog", daemon=True)
                self.thread.start()
            if self.due[0][2] is watch:  # earlier than the one the thread waits for
                self.changed.notify()
        return watch

    def run(self) -> None:
        while True:
            with self.changed:
                while self.due and self.due[0][2].sock is None:
                    heapq.heappop(self.due)  # released before its time
                wait = self.due[0][0] - time.monotonic() if self.due else None
                if wait is None or wait > 0:
                    self.changed.wait(wait)
                    continue
                _, _, watch = heapq.heappop(self.due)
            watch.fire()


WATCHDOG = Watchdog()


def declared_length(headers: object) -> int | None:
    text = str(getattr(headers, "get", lambda _: None)("content-length") or "").strip()
    return int(text) if text.isdigit() else None


def too_large(status: int, cap: int, length: int | None) -> NoAnswer:
    size = f"Content-Length {length} bytes" if length is not None else f"more than {cap} bytes read"
    return NoAnswer(TOO_LARGE, f"HTTP {status}: answer larger than {cap} bytes (--max-body-bytes): {size}")


def read_body(
    chunks: Iterable[bytes],
    sock: socket.socket | None,
    status: int,
    headers: object,
    bounds: Bounds,
    cut_at: float,
    budget_at: float | None = None,
) -> bytes:
    """The body, read from `chunks` until `cut_at` (the exchange's deadline) and up to the cap; `AnswerCut` else.
    `budget_at`, when earlier than `cut_at`, cuts the read for the run's budget (`NoAnswer` kind `budget`)."""
    length = declared_length(headers)
    if length is not None and length > bounds.max_body_bytes:
        raise AnswerCut(too_large(status, bounds.max_body_bytes, length))
    stop = min(cut_at, budget_at) if budget_at is not None else cut_at
    watchdog, body, late = WATCHDOG.watch(sock, stop), bytearray(), False
    try:
        for chunk in chunks:
            body += chunk
            if len(body) > bounds.max_body_bytes:
                body.clear()  # the exception's traceback keeps this frame (and the bytes) alive as long as itself
                raise AnswerCut(too_large(status, bounds.max_body_bytes, length))
            late = time.monotonic() >= stop
            if late:
                break
    except AnswerCut:
        raise
    except Exception:
        if not watchdog.done():
            raise
    finally:
        fired = watchdog.done()
    if fired or late:
        kind = BUDGET if stop < cut_at else DEADLINE
        detail = f"HTTP {status}: answer not complete within {bounds.deadline:g} s (--deadline), {len(body)} bytes read"
        raise AnswerCut(NoAnswer(kind, detail))
    return bytes(body)


def read_httpx(response: httpx.Response, bounds: Bounds, cut_at: float, budget_at: float | None = None) -> bytes:
    """`read_body` of a streamed httpx response, its socket from httpcore's `network_stream` extension."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    return read_body(response.iter_bytes(), sock, response.status_code, response.headers, bounds, cut_at, budget_at)
