"""Who may use the admin API (the mock's and the validating proxy's: one guard for both).

- Bound to an address other machines can reach (0.0.0.0, a LAN address, a container's interface), the control
  surface would let anyone on the network reset the mock or arm faults: there it needs `--admin-token`, sent as
  `Authorization: Bearer <token>` (the scheme in any case) and compared in constant time; without a token configured
  it is off. The token is never logged or echoed.
- On loopback, a request without the token must name a loopback host (`localhost`, `127.0.0.1`, `[::1]`, any port)
  or one given with `--admin-host`: a web page whose name was re-pointed at 127.0.0.1 (DNS rebinding) reaches the
  socket, but its requests carry the page's own Host, and get 403.
- A state-changing call must be `Content-Type: application/json` (`JsonOnly`), and nothing here answers CORS.
- The dashboard's files are admin routes like any other. A browser's navigation cannot send a header, so the 401 it
  gets off loopback may carry a page that asks for the token (`sign_in`, given by the dashboard); the decision is the
  same, only the body differs.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="mockserver-admin"'}
SignIn = Callable[[Scope], Response | None]  # the 401's page for this request, or None for the JSON one


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and `localhost` reach only this machine; 0.0.0.0 and :: mean every interface."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def host_name(host_header: str) -> str:
    """`localhost:4010` -> `localhost`, `[::1]:4010` -> `[::1]`, `127.0.0.1` -> `127.0.0.1` (lower-cased)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def admin_notice(host: str, token: str | None) -> str:
    """The start-up line that says how the admin API is reachable."""
    if is_loopback(host):
        return "  Admin API: open on loopback (Host must be localhost, 127.0.0.1 or [::1], or one of --admin-host)."
    if token:
        return f"  Admin API: bound to {host} (not loopback): requires 'Authorization: Bearer <admin token>'."
    return f"  Admin API: DISABLED: bound to {host} (not loopback) without --admin-token; both APIs are served."


def problem(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message}}, status_code=status, headers=headers)


def header(scope: Scope, name: bytes) -> str:
    return next((value for key, value in scope["headers"] if key == name), b"").decode("latin-1")


class AdminGuard:
    """Wraps an admin app: lets a request through, or answers 401 (token missing or wrong), 403 (admin off, or a
    foreign Host without the token) or 415 (a state-changing call that is not JSON)."""

    def __init__(
        self,
        app: ASGIApp,
        host: str,
        token: str | None,
        admin_hosts: tuple[str, ...] = (),
        sign_in: SignIn | None = None,
    ) -> None:
        self.app = JsonOnly(app)
        self.sign_in = sign_in
        self.open = is_loopback(host)
        self.host = host
        self.token = token.encode() if token else None
        self.admin_hosts = frozenset(host_name(name) for name in admin_hosts)

    def has_token(self, scope: Scope) -> bool:
        scheme, _, credential = header(scope, b"authorization").strip().partition(" ")
        return (
            self.token is not None
            and scheme.lower() == "bearer"
            and hmac.compare_digest(credential.strip().encode("latin-1"), self.token)
        )

    def trusted_host(self, scope: Scope) -> bool:
        name = host_name(header(scope, b"host"))
        return not name or is_loopback(name) or name in self.admin_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self.refusal(scope)
        await (refusal or self.app)(scope, receive, send)

    def refusal(self, scope: Scope) -> Response | None:
        if self.has_token(scope):
            return None
        if not self.open:
            if self.token is None:
                message = f"The admin API is disabled: the mock is bound to {self.host} and no --admin-token is set"
                return problem(403, message)
            return self.challenge(scope)
        if not self.trusted_host(scope):
            return problem(
                403,
                "The admin API answers only requests to a loopback host (localhost, 127.0.0.1, [::1]) or one named "
                "by --admin-host; this request names another (DNS rebinding?)",
            )
        return None

    def challenge(self, scope: Scope) -> Response:
        """401, as JSON, or as the sign-in page for a browser opening the dashboard."""
        page = self.sign_in(scope) if self.sign_in is not None else None
        return page or problem(401, "The admin API needs 'Authorization: Bearer <admin token>'", CHALLENGE)


class JsonOnly:
    """Refuses a state-changing call that is not `Content-Type: application/json` with 415, before it changes
    anything. A web page can make a browser send a cross-site form or a `text/plain` POST without asking, but never
    a JSON one without a CORS preflight, which the admin API does not answer: so no page can reset the mock or arm a
    scenario behind its user's back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in STATE_CHANGING:
            content_type = header(scope, b"content-type")
            if content_type.split(";", 1)[0].strip().lower() != "application/json":
                message = f"{scope['method']} on the admin API needs Content-Type: application/json (nothing changed)"
                await problem(415, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)
