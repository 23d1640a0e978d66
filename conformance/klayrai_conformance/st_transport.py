"""What the kit adds to schemathesis' requests during a run: a rate cap (`--max-rps`) and the bounds of every
answer (`--deadline`, `--max-body-bytes`, `bounded.py`), so that a target trickling or flooding a body ends as a
finding instead of holding the run past its budget or its memory.

Schemathesis sends with `requests`, streamed, and reads the body itself; a response hook reads it first, within the
bounds. The hook goes in through `before_call` (every `case.call`) and, for the internal probing phase that sends
through a `make_session` session without `case.call`, onto each such session while a kit run lasts. Those sessions
also send nothing once the run is stopped (`stop_sending`): the probing phase does not look at the engine's stop.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
import schemathesis
from requests.adapters import HTTPAdapter
from schemathesis.engine import context as st_context

from klayrai_conformance.bounded import BUDGET, CHUNK_BYTES, AnswerCut, Bounds, read_body
from klayrai_conformance.exchange import NoAnswer
from klayrai_conformance.http import Throttle
from klayrai_conformance.target import Target

_THROTTLE: Throttle | None = None
_BOUNDS: Bounds | None = None
_RUN_LOCK = threading.Lock()
_STOPPED = threading.Event()


def stop_sending() -> None:
    """The run is stopped: the sessions of `make_session` send no more request until the next kit run."""
    _STOPPED.set()


class StoppableAdapter(HTTPAdapter):
    """`requests`' adapter, refusing to send once the kit run is stopped (an `AnswerCut` of kind `budget`)."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if _STOPPED.is_set():
            raise AnswerCut(NoAnswer(BUDGET, "not sent: the run's time budget ran out"), request=request)
        return super().send(request, *args, **kwargs)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Caps the request rate and bounds the answer during a kit run; does nothing outside one."""
    if _THROTTLE is not None:
        _THROTTLE.wait()
    if _BOUNDS is not None:
        kwargs.setdefault("hooks", {}).setdefault("response", []).append(bounded_answer)


def bounded_answer(response: requests.Response, *_: Any, **__: Any) -> requests.Response:
    """A `requests` response hook (the body not read yet): reads the body within the run's bounds, before
    schemathesis would read it whole. An event stream is left to schemathesis, which bounds it by the timeout."""
    bounds = _BOUNDS
    if bounds is None or response._content is not False or "event-stream" in response.headers.get("content-type", ""):
        return response  # outside a kit run, read already (by a second hook), or an event stream
    cut_at = time.monotonic() - response.elapsed.total_seconds() + bounds.deadline
    sock = socket_of(response.raw)
    chunks = response.iter_content(CHUNK_BYTES)
    try:
        response._content = read_body(chunks, sock, response.status_code, response.headers, bounds, cut_at)
    except AnswerCut as cut:
        response.close()
        raise AnswerCut(cut.no_answer, request=response.request) from None
    return response


def socket_of(raw: Any) -> socket.socket | None:
    """The socket a urllib3 response reads from: its connection's, or, once http.client detached the socket from
    the connection (an answer with `Connection: close`), the one under the http.client response's reader."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is None:
        reader = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(reader, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


@contextmanager
def kit_run(target: Target) -> Iterator[None]:
    """Schemathesis' requests capped and bounded for `target` while the block runs (one kit run at a time)."""
    global _THROTTLE, _BOUNDS
    original = st_context.make_session

    def make_session(*args: Any, **kwargs: Any) -> requests.Session:
        session = original(*args, **kwargs)
        session.hooks["response"].append(bounded_answer)
        for prefix in ("http://", "https://"):
            session.mount(prefix, StoppableAdapter())
        return session

    with _RUN_LOCK:
        _THROTTLE = Throttle(target.max_rps) if target.max_rps else None
        _BOUNDS = target.bounds
        _STOPPED.clear()
        st_context.make_session = make_session
        try:
            yield
        finally:
            st_context.make_session = original
            _THROTTLE = _BOUNDS = None
