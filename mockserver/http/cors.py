"""CORS for the APIs (never the admin API, which is dispatched before this layer): front ends on another origin, and
Graph's browser apps, call the mock from a page.

By default every origin is allowed, as Prism does and as real Graph answers browsers (`Access-Control-Allow-Origin:
*`). `--cors-origin` narrows the mock's own policy to a list; a path `always_open` (Graph's) keeps Graph's policy,
any origin, whatever the list says. No credentials are ever allowed: both APIs authenticate with a header or a
query parameter, never a cookie. A preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed origin
is answered here, 200 with no body and no authentication, mirroring the method and headers asked for so that the
real request reaches the API and gets its own answer (a 405 or 404 in the API's envelope is more useful to a
developer than a blocked preflight). A preflight from an origin the policy refuses goes on to the API like any other
`OPTIONS` request. Every response header the contract declares is exposed to the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.contract.spec import Contract
from mockserver.http.raw_headers import headers_of, replace, vary

ANY = b"*"
PREFLIGHT = [  # headers of every preflight answer; the origin, method and headers asked for are added
    (b"access-control-max-age", b"600"),  # seconds a browser may keep the answer
    (b"vary", b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
    (b"content-length", b"0"),
]


def exposed_headers(contract: Contract) -> tuple[str, ...]:
    """Every response header the contract declares (its operations' responses, the shared ones, and those of the
    answers no operation carries, such as the 405's `Allow`), in the spelling it first appears in."""
    responses = [response for op in contract.operations for response in contract.responses(op).values()]
    responses += contract.spec.get("components", {}).get("responses", {}).values()
    responses += [r for by_status in contract.spec.get("x-unrouted-responses", {}).values() for r in by_status.values()]
    names: dict[str, str] = {}
    for response in responses:
        for name in contract.resolve(response).get("headers", {}):
            names.setdefault(name.lower(), name)
    return tuple(names.values())


def no_origin(scope: Scope) -> bool:
    for name, _ in scope["headers"]:  # noqa: SIM110 (a plain loop costs half what all() over a generator does)
        if name == b"origin":
            return False
    return True


class Cors:
    def __init__(
        self, app: ASGIApp, origins: Iterable[str], exposed: Iterable[str], always_open: Callable[[str], bool]
    ) -> None:
        """`origins`: the allowed origins, empty (or holding `*`) for any; `always_open(path)`: paths that allow
        any origin whatever `origins` says."""
        self.app = app
        allowed = frozenset(origin.encode("latin-1") for origin in origins)
        self.origins: frozenset[bytes] | None = None if not allowed or ANY in allowed else allowed
        self.always_open = always_open
        self.expose = ", ".join(exposed).encode("latin-1")

    def allow_origin(self, origin: bytes | None, narrowed: bool) -> bytes | None:
        """The `Access-Control-Allow-Origin` for `origin`, None when the policy refuses it."""
        if not narrowed:
            return ANY
        return origin if self.origins is not None and origin in self.origins else None

    def passes(self, scope: Scope) -> bool:
        """Nothing to add to this HTTP request's answer: the common case, kept cheap (any origin allowed, no
        `Origin`, not a preflight)."""
        return self.origins is None and scope["method"] != "OPTIONS" and no_origin(scope)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.passes(scope):
            await self.app(scope, receive, send)
            return
        asked: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name == b"origin" or name.startswith(b"access-control-request-"):
                asked.setdefault(name, value)
        origin = asked.get(b"origin")
        narrowed = self.origins is not None and not self.always_open(scope["path"])
        allow = self.allow_origin(origin, narrowed)
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in asked and allow is not None:
            await preflight(send, allow, asked)
            return
        if origin is None and not narrowed:
            await self.app(scope, receive, send)
            return
        added: dict[bytes, bytes] = {}
        if origin is not None and allow is not None:
            added[b"access-control-allow-origin"] = allow  # replaces the one Graph's answers carry
            added[b"access-control-expose-headers"] = self.expose

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = headers_of(message)
                replace(raw, {**added, b"vary": vary(raw, b"Origin")} if narrowed else added)
            await send(message)

        await self.app(scope, receive, send_with_cors)


async def preflight(send: Send, allow_origin: bytes, asked: dict[bytes, bytes]) -> None:
    """200, no body: the origin allowed, and the method and headers asked for, echoed."""
    raw = [
        (b"access-control-allow-origin", allow_origin),
        (b"access-control-allow-methods", asked[b"access-control-request-method"]),
        *PREFLIGHT,
    ]
    if asked.get(b"access-control-request-headers"):
        raw.append((b"access-control-allow-headers", asked[b"access-control-request-headers"]))
    if asked.get(b"access-control-request-private-network") == b"true":  # a public page calling this machine
        raw.append((b"access-control-allow-private-network", b"true"))
    await send({"type": "http.response.start", "status": 200, "headers": raw})
    await send({"type": "http.response.body", "body": b""})
