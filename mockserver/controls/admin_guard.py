"""Who may use the admin API: anyone on loopback; off loopback, only a caller with the admin token.

Bound to an address other machines can reach (0.0.0.0, a LAN address, a container's interface), the mock's control
surface would let anyone on the network reset it or arm faults. There the admin API needs `--admin-token`, sent as
`Authorization: Bearer <token>` and compared in constant time; without a token configured it is off. The token is
never logged or echoed.
"""

from __future__ import annotations

import hmac
import ipaddress

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and `localhost` reach only this machine; 0.0.0.0 and :: mean every interface."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def admin_notice(host: str, token: str | None) -> str:
    """The start-up line that says how the admin API is reachable."""
    if is_loopback(host):
        return "  Admin API: open on loopback."
    if token:
        return f"  Admin API: bound to {host} (not loopback): requires 'Authorization: Bearer <admin token>'."
    return f"  Admin API: DISABLED: bound to {host} (not loopback) without --admin-token; both APIs are served."


class AdminGuard:
    """Wraps the admin app: lets a request through, or answers 401 (token missing or wrong) / 403 (admin off)."""

    def __init__(self, app: ASGIApp, host: str, token: str | None) -> None:
        self.app = app
        self.open = is_loopback(host)
        self.host = host
        self.expected = f"Bearer {token}".encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.open:
            await self.app(scope, receive, send)
            return
        if self.expected is None:
            message = f"The admin API is disabled: the mock is bound to {self.host} and no --admin-token is set"
            await JSONResponse({"error": {"message": message}}, status_code=403)(scope, receive, send)
            return
        sent = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
        if not hmac.compare_digest(sent, self.expected):
            response = JSONResponse(
                {"error": {"message": "The admin API needs 'Authorization: Bearer <admin token>'"}},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="mockserver-admin"'},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
