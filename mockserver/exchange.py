"""One request's trip through the mock: what came in, what each step found, and what goes out."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from mockserver.contract.operations import Operation
from mockserver.errors import ApiError
from mockserver.http.limits import DEFAULT as DEFAULT_LIMITS
from mockserver.http.limits import Limits
from mockserver.state.limits import Usage

Json = dict[str, Any]


@dataclass(slots=True)
class Incoming:
    """The request as the behaviour sees it: decoded once, body already read (and capped)."""

    method: str
    path: str
    raw_query: str
    query: Sequence[tuple[str, str]]
    headers: Mapping[str, str]
    body: bytes
    path_params: dict[str, str]
    base_url: str
    body_too_large: bool = False
    breach: str | None = None  # the limit the request broke, worded for the client (mockserver.http.limits)
    limits: Limits = DEFAULT_LIMITS  # the limits it was read under: client JSON in it is parsed with them

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass(slots=True)
class Reply:
    """A successful answer: status, a JSON value (or bytes already encoded), and headers of its own."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Outcome = Reply | ApiError
Rendered = tuple[int, dict[str, str], bytes]  # status, headers, body: an answer ready for the wire


@dataclass(slots=True)
class RequestContext:
    """One request and what the steps found: its operation (None until routed, or unrouted), who is calling, the
    limits it counted against, what a scenario or `Prefer` asked for, and its body decoded once."""

    incoming: Incoming
    operation: Operation | None
    trace: str
    started: float = field(default_factory=time.monotonic)
    principal: Any = None
    credential: str | None = None
    usage: Usage | None = None
    delay_ms: float = 0.0
    scenario: str | None = None
    body: Json | None = None  # the body as parameters (form or JSON), once decoded
    body_fault: str | None = None  # why the body could not be decoded
    throttled: bool = False  # the answer is a throttling error, forced or not: usage headers say so

    @property
    def operation_id(self) -> str | None:
        return None if self.operation is None else self.operation.operation_id

    error: tuple[Any, Any] | None = None  # the answer's error identity (code, subcode), None for a success


ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # one encoder: json.dumps builds one per call


def encode(value: Any) -> bytes:
    """Compact UTF-8 JSON, the encoding of every body the mock writes: orjson (an error body is encoded on every
    request, its id being the request's), or the standard library, in the same compact form, for what orjson
    refuses (an integer past 64 bits, a non-string key)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return ENCODER.encode(value).encode()


def join_object(members: list[tuple[bytes, bytes]]) -> bytes:
    """`{"name": <encoded>, ...}` from members already encoded: pages are joined from cached records."""
    return b"{" + b",".join(b'"' + name + b'":' + value for name, value in members) + b"}"


def join_array(items: list[bytes]) -> bytes:
    return b"[" + b",".join(items) + b"]"


def reply_size(key: tuple[str | None, ...], reply: Reply) -> int:
    """A kept read's bytes: its body and the texts of its key (a long query must count, not only the answer)."""
    body = reply.body if isinstance(reply.body, bytes) else b""
    return len(body) + sum(len(part) for part in key if part) + 200
