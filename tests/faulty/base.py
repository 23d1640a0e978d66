"""How a faulty server is made: the project's own mock, response validation off (so the bug gets out), with one
fault injected on that app instance only, by an ASGI middleware that rewrites requests or responses, or by
replacing one behaviour of that instance. Nothing module-level is patched: other mocks in the process are untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.http.app import MockApp, create_app
from mockserver.settings import Settings

Json = dict[str, Any]


@dataclass
class Request:
    """The request as a fault sees it; a request rewrite edits `query`, `headers` or `body` in place."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes = b""

    def param(self, name: str) -> str | None:
        return next((v for k, v in reversed(self.query) if k == name), None)

    def drop(self, *names: str) -> None:
        self.query = [(k, v) for k, v in self.query if k not in names]

    def set(self, name: str, value: str) -> None:
        self.drop(name)
        self.query.append((name, value))

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    @property
    def is_klayrai(self) -> bool:
        return self.path.startswith("/v1/")

    @classmethod
    def of(cls, scope: Scope, body: bytes) -> Request:
        return cls(
            method=scope["method"],
            path=scope["path"],
            query=parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            body=body,
        )


@dataclass
class Response:
    """The mock's answer; a response rewrite edits `status`, `headers` or `body` (parsed JSON) in place."""

    status: int
    headers: dict[str, str]
    body: Any
    raw: bytes = field(default=b"", repr=False)


RequestRewrite = Callable[[Request], None]
ResponseRewrite = Callable[[Request, Response], None]


class Rewrite:
    """Runs `request` on the way in and `response` on the way out of the wrapped app (admin routes untouched)."""

    def __init__(
        self, app: ASGIApp, request: RequestRewrite | None = None, response: ResponseRewrite | None = None
    ) -> None:
        self.app = app
        self.on_request = request
        self.on_response = response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__mock/"):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        request = Request.of(scope, body)
        if self.on_request is not None:
            self.on_request(request)
            scope = dict(scope)
            scope["query_string"] = urlencode(request.query).encode("latin-1")
            scope["headers"] = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()]
            if request.body != body:
                scope = with_body(scope, request.body)
        if self.on_response is None:
            await self.app(scope, replayer(request.body), send)
            return
        status, headers, raw = await answer_of(self.app, scope, request.body)
        response = Response(status, headers, json_or_none(raw), raw)
        self.on_response(request, response)
        out = raw if response.body is None else response.body
        if not isinstance(out, bytes):
            out = json.dumps(out, separators=(",", ":")).encode()
        await answer(send, response.status, response.headers, out)


def with_body(scope: Scope, body: bytes) -> Scope:
    """The scope of the same request with another body: its `content-length` says so."""
    headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
    return {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}


def json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


async def answer_of(app: ASGIApp, scope: Scope, body: bytes) -> tuple[int, dict[str, str], bytes]:
    """The app's whole answer to one request (`scope` with `body`), captured instead of sent."""
    messages: list[Message] = []

    async def capture(message: Message) -> None:
        messages.append(message)

    await app(scope, replayer(body), capture)
    start = next(m for m in messages if m["type"] == "http.response.start")
    raw = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}, raw


async def answer(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    """Send an answer whose body may have been rewritten: `content-length` set to the body sent."""
    headers = {**headers, "content-length": str(len(body))}
    raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def replayer(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def faulty_app(request: RequestRewrite | None = None, response: ResponseRewrite | None = None) -> MockApp:
    """The mock with validation off, wrapped in a `Rewrite` (its `entry` is what the app serves)."""
    app = create_app(Settings(validate_responses=False, log_level="warning"))
    if request is not None or response is not None:
        app.entry = Rewrite(app.entry, request, response)
    return app


def accounts_of(response: Response) -> list[Json]:
    """The accounts (or Graph nodes) of a 200 list, [] otherwise."""
    body = response.body
    if response.status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return []
    return [item for item in body["data"] if isinstance(item, dict)]


def error_of(response: Response) -> Json:
    body = response.body
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}
