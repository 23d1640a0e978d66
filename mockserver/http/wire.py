"""The wire: a request read and decoded once into an `Incoming`, and an answer written back, for the ASGI server.

Both run on every request, so what clients repeat (query texts, Host headers) is decoded once and kept.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope, Send

from mockserver.errors import CONTROL_CHARS
from mockserver.exchange import Incoming
from mockserver.http.limits import CACHE_BYTES, DEFAULT, Limits
from mockserver.state.cache import memo, text_size

MAX_QUERY_FIELDS = 1000
MAX_HOST = 262  # a DNS name (253) with a port
BODILESS = ("GET", "HEAD")  # read without waiting for a body
HOST_RE = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


async def read_incoming(scope: Scope, receive: Receive, limits: Limits = DEFAULT) -> Incoming:
    """The request decoded once: query pairs, headers, and a body read up to `limits.body_bytes` within
    `limits.body_timeout`; the first limit the request breaks is noted in `breach`, for the API to answer."""
    if scope["method"] in BODILESS:
        return decoded(scope, limits)
    body, too_large, slow = b"", False, False
    try:
        async with asyncio.timeout(limits.body_timeout):
            body, too_large = await read_body(receive, limits.body_bytes)
    except TimeoutError:
        slow = True
    return decoded(
        scope, limits, body, limits.body_too_large() if too_large else limits.body_too_slow() if slow else None
    )


def decoded(scope: Scope, limits: Limits, body: bytes = b"", body_breach: str | None = None) -> Incoming:
    """The request decoded, its body already read (or none: a GET's, a HEAD's); `body_breach` is the limit reading
    it broke."""
    raw_query = scope.get("query_string", b"").decode("latin-1")
    breach = limits.head_breach(scope["path"], raw_query) or body_breach
    try:
        headers = shared_headers(tuple(scope["headers"]))
    except TypeError:  # pairs given as lists (unhashable): decoded for this request alone
        headers = decoded_headers(scope["headers"])
    return Incoming(
        scope["method"],
        scope["path"],
        raw_query,
        parse_query(raw_query) if breach is None else (),
        headers,
        body,
        {},
        base_url(scope.get("scheme", "http"), headers.get("host", ""), tuple(scope.get("server") or ())),
        body_breach is not None,
        breach,
        limits,
    )


async def read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body, and whether it went over `limit` bytes (then it is read to its end, and dropped)."""
    chunks: list[bytes] = []
    size, too_large, more = 0, False, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        too_large = too_large or size > limit
        if not too_large:
            chunks.append(chunk)
        more = message.get("more_body", False)
    return (b"" if too_large else b"".join(chunks)), too_large


@memo(CACHE_BYTES // 4, text_size)
def parse_query(raw_query: str) -> tuple[tuple[str, str], ...]:
    """Query pairs, at most MAX_QUERY_FIELDS; kept per query text, since clients repeat theirs."""
    try:
        pairs = parse_qsl(raw_query, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        pairs = parse_qsl(raw_query, keep_blank_values=True)[:MAX_QUERY_FIELDS]
    return tuple((name, value) for name, value in pairs if name)  # `?=x` names nothing: there is nothing to check


def decoded_headers(raw: Sequence[Sequence[bytes]]) -> dict[str, str]:
    """Names lower-cased, as a plain dict looked up a few times per request, in the order sent (the journal and its
    HAR show them so); the first of a repeated header wins, as in Starlette."""
    headers: dict[str, str] = {}
    for name, value in raw:
        headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return headers


def head_size(args: tuple[tuple[tuple[bytes, bytes], ...]], result: dict[str, str]) -> int:
    """The bytes a memo entry of `shared_headers` keeps, about: the raw pairs and their decoded copy."""
    return 2 * sum(len(name) + len(value) for name, value in args[0]) + 200


# Clients repeat their headers, request after request: each set is decoded once, and its dict is shared by every
# request that sent it (read-only: nothing on the request's way writes a request's headers; the journal keeps it).
shared_headers = memo(CACHE_BYTES // 4, head_size)(decoded_headers)


@memo(1 << 20, text_size)
def base_url(scheme: str, host: str, server: tuple[str, int] | tuple[()]) -> str:
    """Where the client called: its Host header when well-formed, else the socket the server listens on."""
    if len(host) > MAX_HOST or not HOST_RE.fullmatch(host):
        address = server or ("127.0.0.1", 80)
        host = f"{address[0]}:{address[1]}"
    return f"{scheme}://{host}"


def header_value(value: str) -> bytes:
    """Header values are ASCII without control characters, whatever a client put in the message they echo."""
    if value.isascii() and value.isprintable():  # every header the mock writes itself
        return value.encode("ascii")
    return CONTROL_CHARS.sub(" ", value).encode("ascii", "backslashreplace")


async def send_json(
    send: Send, status: int, headers: dict[str, str], body: bytes, content_type: str, head: bool = False
) -> None:
    """Write the answer; a HEAD gets the headers a GET would, Content-Length included, and no body."""
    raw = [(b"content-type", content_type.encode("ascii")), (b"content-length", b"%d" % len(body))]
    values = "".join(headers.values())
    if values.isascii() and values.isprintable():  # every header the mock writes itself: checked at once
        raw += [(name.lower().encode("ascii"), value.encode("ascii")) for name, value in headers.items()]
    else:
        raw += [(name.lower().encode("ascii"), header_value(value)) for name, value in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else body})
