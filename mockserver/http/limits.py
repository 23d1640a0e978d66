"""What the mock accepts from a client, bounded: every limit in one place, each with a default, a flag and an
environment variable (`mockserver serve --help`, docs/security.md).

A request over a limit gets the API's own 400 naming the limit (`mockserver.errors.limit_error`: KlayrAI
`invalid_request`; Graph code 100), never a 500, a hang or a dropped connection. Limits are checked when the request
is read (`mockserver.http.wire`): URL and query length, body size, and a deadline for the body to arrive; and
wherever client JSON is parsed (`loads`: size and nesting depth), which is only through this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_URL_BYTES = 16 * 1024  # path and query together
MAX_QUERY_BYTES = 8 * 1024
MAX_BODY_BYTES = 1 << 20
MAX_JSON_DEPTH = 32  # the contract's deepest body (a batch item's headers) nests 4 levels
BODY_TIMEOUT = 10.0  # seconds for the whole body to arrive once the head has
CACHE_BYTES = 16 << 20  # per cache of rendered answers, encoded records, parsed queries and routes


class JsonLimit(Exception):
    """Client JSON over a limit: the message names the limit, for the client. Not a ValueError, so that no
    "this is not JSON" handler takes it for one: the pipeline answers it with the API's 400."""


@dataclass(frozen=True, slots=True)
class Limits:
    url_bytes: int = MAX_URL_BYTES
    query_bytes: int = MAX_QUERY_BYTES
    body_bytes: int = MAX_BODY_BYTES
    json_depth: int = MAX_JSON_DEPTH
    body_timeout: float = BODY_TIMEOUT

    def head_breach(self, path: str, raw_query: str) -> str | None:
        """What is over a limit in the request line, if anything (the message the client gets)."""
        if len(raw_query) > self.query_bytes:
            return f"The query string is too long: {len(raw_query)} bytes; the limit is {self.query_bytes} bytes"
        if len(path) + len(raw_query) > self.url_bytes:
            return f"The URL is too long: the limit is {self.url_bytes} bytes"
        return None

    def body_too_large(self) -> str:
        return f"The request body is too large: the limit is {self.body_bytes} bytes"

    def body_too_slow(self) -> str:
        return f"The request body did not arrive within {self.body_timeout:g} s"

    def loads(self, text: str | bytes) -> Any:
        """`json.loads` for anything a client sent: JsonLimit past `body_bytes` or `json_depth`, ValueError when it is
        not JSON."""
        if len(text) > self.body_bytes:
            raise JsonLimit(f"The JSON is too large: the limit is {self.body_bytes} bytes")
        try:
            value = json.loads(text)
        except RecursionError:  # deeper than the interpreter's own stack allows
            value = None
            depth = self.json_depth + 1
        else:
            depth = depth_of(value, self.json_depth)
        if depth > self.json_depth:
            raise JsonLimit(f"The JSON nests too deeply: the limit is {self.json_depth} levels")
        return value


DEFAULT = Limits()


def depth_of(value: Any, stop: int) -> int:
    """How deep containers nest in a decoded JSON value (a scalar is 0), counted without recursion and no further
    than `stop + 1`."""
    deepest = 0
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > stop:
            break
        children = node.values() if isinstance(node, dict) else node
        stack += [(child, depth + 1) for child in children if isinstance(child, dict | list)]
    return deepest
