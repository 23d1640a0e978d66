"""One request's trip through the mock: what came in, what each step found, and what goes out."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockserver.http.limits import DEFAULT as DEFAULT_LIMITS
from mockserver.http.limits import Limits
from mockserver.ratelimit import Usage


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


@dataclass(slots=True)
class Exchange:
    incoming: Incoming
    operation_id: str | None
    trace: str
    started: float = field(default_factory=time.monotonic)
    principal: Any = None
    credential: str | None = None
    usage: Usage | None = None
    delay_ms: float = 0.0
    scenario: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # one encoder: json.dumps builds one per call


def encode(value: Any) -> bytes:
    """Compact UTF-8 JSON, the encoding of every body the mock writes."""
    return ENCODER.encode(value).encode()


def join_object(members: list[tuple[bytes, bytes]]) -> bytes:
    """`{"name": <encoded>, ...}` from members already encoded: pages are joined from cached records."""
    return b"{" + b",".join(b'"' + name + b'":' + value for name, value in members) + b"}"


def join_array(items: list[bytes]) -> bytes:
    return b"[" + b",".join(items) + b"]"
