"""Rules about the answer itself, for every request of both APIs: the target answers each request it accepted a
connection for with a complete HTTP response, in time (headers within the request timeout, the whole answer within
the exchange deadline) and of a size the kit reads (`bounded.py`). A connection closed or reset without a response, or a
response cut off or malformed, is a defect of the target (like a 5xx), reported with the request as curl; only a
target the kit cannot reach at all is a usage problem (exit 2).

`no_answer_of` turns a client's exception (httpx for the probes, requests for schemathesis) into a `NoAnswer`,
or None when the exception is the kit's own fault (a bad URL, a local protocol error).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import requests

from klayrai_conformance.bounded import DEADLINE as DEADLINE_KIND
from klayrai_conformance.bounded import TOO_LARGE as TOO_LARGE_KIND
from klayrai_conformance.bounded import AnswerCut
from klayrai_conformance.exchange import Exchange, NoAnswer

DROPPED = "transport.connection_dropped"
TIMEOUT = "transport.timeout"
DEADLINE = "transport.deadline"
TOO_LARGE = "transport.body_too_large"
DESCRIPTIONS = {
    DROPPED: (
        "Every request gets a complete HTTP response: never a connection closed or reset without one, nor a "
        "response cut off or malformed (a crash of the target on that input)."
    ),
    TIMEOUT: "Every request is answered within the request timeout (--timeout; ci: 5 s).",
    DEADLINE: (
        "Every answer is complete, body included, within the exchange deadline (--deadline; default the request "
        "timeout): never a body trickled out for longer."
    ),
    TOO_LARGE: "Every answer's body fits in what the kit reads of one answer (--max-body-bytes; default 4 MiB).",
}
KIND_RULES = {"dropped": DROPPED, "timeout": TIMEOUT, DEADLINE_KIND: DEADLINE, TOO_LARGE_KIND: TOO_LARGE}


def no_answer_of(error: BaseException) -> NoAnswer | None:
    if isinstance(error, AnswerCut):
        return error.no_answer
    detail = f"{type(error).__name__}: {error}".strip()
    if isinstance(error, httpx.TimeoutException | requests.Timeout):
        return NoAnswer("timeout", detail)
    if isinstance(error, httpx.LocalProtocolError | httpx.UnsupportedProtocol | httpx.ProxyError):
        return None
    if isinstance(error, httpx.TransportError | httpx.DecodingError):
        return NoAnswer("dropped", detail)
    if isinstance(error, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return NoAnswer("dropped", detail)
    if isinstance(error, requests.exceptions.ContentDecodingError):
        return NoAnswer("dropped", detail)
    return None


def connection_dropped(exchange: Exchange) -> list[str]:
    no_answer = exchange.no_answer
    return [f"no HTTP response: {no_answer.detail}"] if no_answer and no_answer.kind == "dropped" else []


def timeout(exchange: Exchange) -> list[str]:
    no_answer = exchange.no_answer
    return [f"no HTTP response in time: {no_answer.detail}"] if no_answer and no_answer.kind == "timeout" else []


def deadline(exchange: Exchange) -> list[str]:
    no_answer = exchange.no_answer
    return [no_answer.detail] if no_answer and no_answer.kind == DEADLINE_KIND else []


def body_too_large(exchange: Exchange) -> list[str]:
    no_answer = exchange.no_answer
    return [no_answer.detail] if no_answer and no_answer.kind == TOO_LARGE_KIND else []


RULES: dict[str, Callable[[Exchange], list[str]]] = {
    DROPPED: connection_dropped,
    TIMEOUT: timeout,
    DEADLINE: deadline,
    TOO_LARGE: body_too_large,
}
