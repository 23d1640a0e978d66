"""Forwarding to the upstream with one shared `httpx.AsyncClient`, and its failures typed.

Hop-by-hop headers (RFC 9110 7.6.1, and any the `Connection` header names) are dropped both ways, as are `Host`
(httpx writes the upstream's, so the upstream builds its links on its own host, which `links` rewrites) and
`Accept-Encoding` (the proxy must read the body to judge it: the upstream is asked for identity, and a body it
compresses anyway reaches the client decoded, without `Content-Encoding`).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
     "transfer-encoding", "upgrade"}
)  # fmt: skip
NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length", "accept-encoding"}
# `date` and `server` are written by the proxy's own server: the upstream's would come twice.
NOT_RETURNED = HOP_BY_HOP | {"content-length", "content-encoding", "date", "server"}


class UpstreamFailure(Exception):
    """The upstream gave no HTTP answer: `status` is what the client gets (502, or 504 for a timeout)."""

    def __init__(self, rule: str, status: int, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]  # as the upstream sent them, hop-by-hop ones removed, names lower-cased
    body: bytes


def end_to_end(headers: Iterable[tuple[str, str]], dropped: frozenset[str]) -> list[tuple[str, str]]:
    pairs = [(name.lower(), value) for name, value in headers]
    named = {token.strip().lower() for name, value in pairs if name == "connection" for token in value.split(",")}
    return [(name, value) for name, value in pairs if name not in dropped and name not in named]


class Upstream:
    """`timeout` bounds the whole exchange (connecting, sending, every read of the answer), not each read alone: an
    upstream that trickles its answer is cut at the deadline too. An answer over `max_answer_bytes` is not read on."""

    def __init__(self, connect_timeout: float, timeout: float, max_answer_bytes: int, via: str) -> None:
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=connect_timeout), follow_redirects=False, trust_env=False
        )
        self.timeout = timeout
        self.max_answer_bytes = max_answer_bytes
        self.via = via

    async def send(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        pairs = [*end_to_end(headers, NOT_FORWARDED), ("accept-encoding", "identity")]
        pairs = [*((n, v) for n, v in pairs if n != "via"), ("via", via_value(pairs, self.via))]
        request_headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in pairs]  # as received
        try:
            async with asyncio.timeout(self.timeout):
                return await self.exchange(method, url, request_headers, body)
        except (httpx.TimeoutException, TimeoutError) as exc:
            kind = describe(exc) if isinstance(exc, httpx.HTTPError) else "upstream no answer in time (deadline)"
            raise UpstreamFailure("upstream.timeout", 504, f"{kind} after the configured timeout") from None
        except httpx.HTTPError as exc:
            raise UpstreamFailure("upstream.unreachable", 502, describe(exc)) from None
        except httpx.InvalidURL as exc:  # a path or query httpx cannot send as it came
            raise UpstreamFailure("upstream.unreachable", 502, f"the request cannot be forwarded ({exc})") from None

    async def exchange(self, method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes) -> Answer:
        request = self.client.build_request(method, url, headers=headers, content=body or None)
        response = await self.client.send(request, stream=True)
        try:
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_answer_bytes:
                    message = f"the upstream's answer is larger than {self.max_answer_bytes} bytes (--max-answer-bytes)"
                    raise UpstreamFailure("upstream.too_large", 502, message)
                chunks.append(chunk)
        finally:
            await response.aclose()
        return Answer(response.status_code, end_to_end(response.headers.multi_items(), NOT_RETURNED), b"".join(chunks))

    async def close(self) -> None:
        await self.client.aclose()


def via_value(pairs: list[tuple[str, str]], mark: str) -> str:
    """`Via` as forwarded (RFC 9110 7.6.3): the request's own entries, then this proxy's."""
    earlier = [value for name, value in pairs if name == "via"]
    return ", ".join([*earlier, mark])


def has_mark(via: str, mark: str) -> bool:
    """Whether a `Via` value lists this proxy (`mark`): the request has been through it already, a loop."""
    return any(entry.strip() == mark for entry in via.split(","))


def describe(exc: httpx.HTTPError) -> str:
    """One line saying what went wrong at the transport level, without a traceback."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ssl.SSLError) or "SSL" in str(exc):
        kind = "TLS handshake failed"
    elif isinstance(exc, httpx.ConnectTimeout):
        kind = "connection timed out"
    elif isinstance(exc, httpx.TimeoutException):
        kind = "no answer in time"
    elif isinstance(exc, httpx.ConnectError):
        kind = "connection refused"
    elif isinstance(exc, httpx.RemoteProtocolError):
        kind = "the answer is not HTTP"
    else:
        kind = "connection failed"
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"upstream {kind} ({detail})"
