"""What the KlayrAI Accounts API shows without its world: its paths' errors, parameters parsed by the contract's
rules, errors in KlayrAI's envelope, and the version and rate-limit headers every answer carries. The mock's
`KlayraiApi` adds the world (keys, workspaces, accounts); the validating proxy uses this alone."""

from __future__ import annotations

import functools
import random
from typing import Any

from mockserver.apis.ids import IdPool, hex_text
from mockserver.contract.operations import Operations
from mockserver.contract.params import ParamFault
from mockserver.contract.spec import Example
from mockserver.errors import ApiError, KlayraiError
from mockserver.exchange import Reply, RequestContext
from mockserver.state.limits import Usage

Json = dict[str, Any]

VERSION_HEADER = "klayrai-version"


@functools.lru_cache(maxsize=1024)
def decimal(number: int) -> str:
    """A number that repeats from answer to answer (a budget, a window's end), written once: the very same text
    then passes the response check by identity (`mockserver.contract.validation`)."""
    return str(number)


class KlayraiSurface:
    name = "klayrai"
    content_type = "application/json"

    def __init__(self, operations: Operations, seed: int) -> None:
        self.ids = IdPool(random.Random(seed), 8, hex_text, 16)  # req_ and 16 hex digits
        self.versions: list[str] = list(operations.contract.spec["x-supported-klayrai-versions"])
        self.latest = self.versions[-1]

    # ---- routing

    def new_trace(self) -> str:
        return "req_" + self.ids.next()

    def not_found(self, exchange: RequestContext) -> ApiError:
        return KlayraiError("not_found", f"No such path '{exchange.incoming.path}'.")

    def method_not_allowed(self, exchange: RequestContext, allowed: list[str]) -> ApiError:
        incoming = exchange.incoming
        methods = ", ".join(allowed)
        message = f"Method {incoming.method} is not allowed on {incoming.path}; allowed: {methods}."
        return KlayraiError("method_not_allowed", message, headers={"Allow": methods})

    def route_check(self, exchange: RequestContext) -> None:
        """Nothing past the route: the table routes a path under /v1 only to KlayrAI's operations."""

    # ---- parameters

    def body_params(self, exchange: RequestContext) -> Json:
        return {}  # the only KlayrAI operation is a GET

    def parse(self, exchange: RequestContext) -> Json:
        incoming = exchange.incoming
        assert exchange.operation is not None
        try:
            return exchange.operation.parameters.parse(incoming.query, incoming.headers, incoming.path_params)
        except ParamFault as fault:
            raise KlayraiError("invalid_request", fault.message, param=fault.name) from None

    # ---- answers the pipeline asks for

    def rate_limited(self, exchange: RequestContext, usage: Usage, now: float) -> ApiError:
        retry = usage.retry_after(now)
        return KlayraiError(
            "rate_limit_error",
            f"Rate limit exceeded. Retry after {retry} seconds.",
            headers={"Retry-After": str(retry)},
        )

    def bad_preference(self, message: str) -> ApiError:
        return KlayraiError("invalid_request", message, param="Prefer")

    def internal_error(self, detail: str = "Internal server error.") -> ApiError:
        return KlayraiError("api_error", detail)

    def forced(
        self, exchange: RequestContext, example: Example, body: Any, usage: Usage, now: float
    ) -> Reply | ApiError:
        """A documented response chosen by `Prefer` or a scenario, with this request's ids and headers."""
        if example.status < 400:
            return Reply(example.status, body)
        if example.status == 429 and body == example.value:
            return self.rate_limited(exchange, usage, now)  # the documented wording, with this window's numbers
        error = KlayraiError.from_body(body)
        if example.status == 429:
            error.headers["Retry-After"] = str(usage.retry_after(now))
        return error

    def headers(self, exchange: RequestContext, usage: Usage, now: float) -> dict[str, str]:
        requested = exchange.incoming.headers.get(VERSION_HEADER)
        return {
            "x-request-id": exchange.trace,
            VERSION_HEADER: requested if requested in self.versions else self.latest,
            "X-RateLimit-Limit": decimal(usage.limit),
            "X-RateLimit-Remaining": str(usage.remaining),
            "X-RateLimit-Reset": decimal(int(usage.reset_at)),
        }

    def wire_status(self, exchange: RequestContext, status: int) -> int:
        return status
