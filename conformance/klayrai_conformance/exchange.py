"""One request and its response as the rules see them, whoever sent it (a probe through httpx, or schemathesis).

Rules are pure functions of `Exchange` objects, so a rule runs the same inside a schemathesis check and inside a
probe. An exchange also renders itself for a human: a curl command and an excerpt of the response, both passed
through a `mockserver.contract.secrets.Masker` so that no credential is ever printed in full.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from mockserver.contract.secrets import Masker, request_secrets

if TYPE_CHECKING:
    import httpx
    from schemathesis.core.transport import Response as StResponse

Json = dict[str, Any]
_MISSING = object()
# Headers a curl command needs to reproduce a request; the rest (user agent, lengths, ...) is noise.
CURL_SKIP_HEADERS = frozenset(
    {"user-agent", "accept-encoding", "connection", "content-length", "host", "accept", "x-schemathesis-testcaseid"}
)


class Violation(AssertionError):
    """The target broke a rule; raised by rule helpers, collected by probes, never a crash of the kit."""

    def __init__(self, message: str, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.exchange = exchange


@dataclass(frozen=True)
class NoAnswer:
    """Why a request got no complete HTTP response: `dropped` (closed, reset, malformed) or `timeout`."""

    kind: str
    detail: str


@dataclass
class Exchange:
    """One request and its response; `no_answer` is set (and `status` 0) when the target gave none."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float = 0.0
    no_answer: NoAnswer | None = None
    _json: Any = field(default=_MISSING, repr=False)

    @classmethod
    def unanswered(
        cls, method: str, url: str, headers: dict[str, str], body: bytes | str | None, no_answer: NoAnswer
    ) -> Exchange:
        """A request the target did not answer (any client's request: httpx or requests)."""
        content = body.encode() if isinstance(body, str) else body or b""
        lowered = {k.lower(): str(v) for k, v in headers.items()}
        return cls(method, url, lowered, content, 0, {}, b"", no_answer=no_answer)

    @classmethod
    def from_httpx(cls, response: httpx.Response, body: bytes) -> Exchange:
        """A response read as a stream (its `body` read within bounds by the caller)."""
        request = response.request
        return cls(
            method=request.method,
            url=str(request.url),
            request_headers={k.lower(): v for k, v in request.headers.items()},
            request_body=request.content,
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=body,
            elapsed=response.elapsed.total_seconds() if response.is_closed else 0.0,
        )

    @classmethod
    def from_schemathesis(cls, response: StResponse) -> Exchange:
        request = response.request
        body = request.body or b""
        return cls(
            method=str(request.method),
            url=str(request.url),
            request_headers={k.lower(): str(v) for k, v in request.headers.items()},
            request_body=body.encode() if isinstance(body, str) else body,
            status=response.status_code,
            headers={k.lower(): ", ".join(v) for k, v in response.headers.items()},
            body=response.content or b"",
            elapsed=response.elapsed,
        )

    # ---- request side

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.url).query, keep_blank_values=True)

    def query_values(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]

    @property
    def content_type(self) -> str:
        return self.request_headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def body_params(self) -> dict[str, Any]:
        """A form or JSON request body as parameters (form values are lists); {} when there is none or it is junk."""
        if not self.request_body.strip():
            return {}
        try:
            if self.content_type == "application/json":
                decoded = json.loads(self.request_body)
                return decoded if isinstance(decoded, dict) else {}
            params: dict[str, Any] = {}
            for key, value in parse_qsl(self.request_body.decode("utf-8"), keep_blank_values=True):
                params.setdefault(key, []).append(value)
            return params
        except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting is junk too
            return {}

    def secrets(self) -> list[str]:
        """Every credential this request carries (`mockserver.contract.secrets` says which values are secrets)."""
        return request_secrets(self.query, self.body_params(), self.request_headers)

    def masker(self) -> Masker:
        return Masker(self.secrets())

    # ---- response side

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The response body as JSON; a body that is not JSON is a violation of every rule that reads it."""
        if self._json is _MISSING:
            try:
                self._json = json.loads(self.body)
            except (ValueError, UnicodeDecodeError):
                raise Violation(f"HTTP {self.status}: the response body is not JSON", self) from None
        return self._json

    def json_or_none(self) -> Any:
        try:
            return self.json()
        except Violation:
            return None

    # ---- for humans

    def curl(self) -> str:
        parts = ["curl", "-sS"]
        if self.method != "GET":
            parts += ["-X", self.method]
        parts.append(self.url)
        for name, value in self.request_headers.items():
            if name not in CURL_SKIP_HEADERS:
                parts += ["-H", f"{name}: {value}"]
        if self.request_body:
            parts += ["--data-raw", self.request_body.decode("utf-8", "backslashreplace")]
        return " ".join(shlex.quote(part) for part in parts)

    def excerpt(self, limit: int = 400) -> str:
        if self.no_answer is not None:
            complete = "complete " if self.no_answer.kind not in ("dropped", "timeout") else ""
            return f"no {complete}HTTP response ({self.no_answer.kind}): {self.no_answer.detail}"
        text = self.body.decode("utf-8", "backslashreplace").strip()
        if len(text) > limit:
            text = text[:limit] + f"... ({len(self.body)} bytes)"
        content_type = self.header("content-type") or "no content-type"
        return f"HTTP {self.status} ({content_type}) {text or '<empty body>'}"
