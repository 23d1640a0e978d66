"""Rules about the answer itself, for every request of both APIs: the target answers each request it accepted a
connection for with a complete HTTP response, in time. A connection closed or reset without a response, or a
response cut off or malformed, is a defect of the target (like a 5xx), reported with the request as curl; only a
target the kit cannot reach at all is a usage problem (exit 2).

`no_answer_of` turns a client's exception (httpx for the probes, requests for schemathesis) into a `NoAnswer`,
or None when the exception is the kit's own fault (a bad URL, a local protocol error).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import requests

from klayrai_conformance.exchange import Exchange, NoAnswer

DROPPED = "transport.connection_dropped"
TIMEOUT = "transport.timeout"
DESCRIPTIONS = {
    DROPPED: (
        "Every request gets a complete HTTP response: never a connection closed or reset without one, nor a "
        "response cut off or malformed (a crash of the target on that input)."
    ),
    TIMEOUT: "Every request is answered within the request timeout (--timeout; ci: 5 s).",
}


def no_answer_of(error: BaseException) -> NoAnswer | None:
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


RULES: dict[str, Callable[[Exchange], list[str]]] = {DROPPED: connection_dropped, TIMEOUT: timeout}
