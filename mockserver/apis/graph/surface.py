"""What the Meta Graph edge shows without its world: versions and unknown paths, parameters and bodies read by
Graph's rules, errors in Graph's envelope, and the headers every answer carries. The mock's `GraphApi` adds the
world (tokens, businesses, the edge's behaviour); the validating proxy uses this alone."""

from __future__ import annotations

import functools
import math
import random
import re
from typing import Any

from mockserver.apis.graph.fields import parse_fields
from mockserver.apis.graph.render import GRAPH_HEADERS, app_usage_json, usage_json
from mockserver.apis.graph.request import body_params, param, parse_tasks, task_values
from mockserver.apis.ids import IdPool, urlsafe_base64
from mockserver.contract.operations import Operations
from mockserver.contract.params import ParamFault, ecma_pattern
from mockserver.contract.spec import Example
from mockserver.errors import ApiError, GraphError
from mockserver.exchange import Reply, RequestContext
from mockserver.state.limits import Usage

Json = dict[str, Any]

DEFAULT_VERSION = "v25.0"
VERSION_RE = re.compile(r"v[0-9]+\.[0-9]+")
SUPPRESS_ON = ("1", "true")


@functools.lru_cache(maxsize=1024)
def answered_version(path: str) -> str:
    """The Graph version an answer names: the path's, else the default; clients repeat their paths."""
    requested = path.split("/")[1] if path.count("/") >= 1 else ""
    return requested if VERSION_RE.fullmatch(requested) else DEFAULT_VERSION


@functools.lru_cache(maxsize=1024)
def fixed_headers(path: str) -> dict[str, str]:
    """What every answer on a path carries: Graph's caching headers and the version it names (clients repeat their
    paths); each answer copies it."""
    return {**GRAPH_HEADERS, "facebook-api-version": answered_version(path)}


@functools.lru_cache(maxsize=1024)
def usage_headers(business_id: str | None, percent: int, regain: int) -> tuple[str, str | None]:
    """`x-app-usage`, and `X-Business-Use-Case-Usage` when the path names a business: their inputs take few values
    over a window, so each pair is made once."""
    return app_usage_json(percent), None if business_id is None else usage_json(business_id, percent, regain)


@functools.lru_cache(maxsize=1024)
def is_version(segment: str) -> bool:
    """`v25.0`; asked on every request of the edge, whose clients repeat their paths."""
    return VERSION_RE.fullmatch(segment) is not None


class GraphSurface:
    name = "graph"
    content_type = "application/json; charset=UTF-8"

    def __init__(self, operations: Operations, seed: int) -> None:
        contract = operations.contract
        self.ids = IdPool(random.Random(seed), 18, urlsafe_base64, 24)
        self.default_fields = tuple(operations["listClientAdAccounts"].definition["x-default-fields"])
        self.default_tasks = list(operations["createClientAdAccount"].definition["x-default-permitted-tasks"])
        self.tasks = contract.deref({"$ref": "#/components/schemas/PermittedTask"})["enum"]
        self.fields = frozenset(contract.deref({"$ref": "#/components/schemas/AdAccountField"})["enum"])
        self.account_id_re = ecma_pattern(contract.deref({"$ref": "#/components/schemas/AdAccountIdInput"})["pattern"])
        self.examples = {
            **operations["listClientAdAccounts"].examples(),
            **operations["createClientAdAccount"].examples(),
        }

    # ---- routing

    def new_trace(self) -> str:
        """A trace or request id: 144 seeded random bits as 24 URL-safe base64 characters."""
        return self.ids.next()

    def not_found(self, exchange: RequestContext) -> ApiError:
        segments = [s for s in exchange.incoming.path.split("/") if s]
        if segments and VERSION_RE.fullmatch(segments[0]):
            segments = segments[1:]
        if len(segments) > 1:
            segments = segments[1:]
        return GraphError.unknown_path("/" + "/".join(segments))

    def method_not_allowed(self, exchange: RequestContext, allowed: list[str]) -> ApiError:
        """A wrong method on an edge names its object, as Graph does; on a batch path (`GET /v25.0/`, `GET /`,
        `GET /nothing`), which names none, the path is unknown."""
        segments = [s for s in exchange.incoming.path.split("/") if s]
        if len(segments) < 2 or not VERSION_RE.fullmatch(segments[0]):
            return self.not_found(exchange)
        return GraphError.unsupported_request(segments[1], exchange.incoming.method.lower())

    def route_check(self, exchange: RequestContext) -> None:
        version = exchange.incoming.path_params.get("graph_version")
        if version is not None and not is_version(version):  # `POST /` (a batch) names no version
            raise self.not_found(exchange)

    # ---- parameters

    body_params = staticmethod(body_params)  # `Api.body_params`: the body depends on the exchange alone

    def parse(self, exchange: RequestContext) -> Json:
        incoming = exchange.incoming
        if incoming.method != "POST":
            # `fields` first (the contract's parameter order), by its own grammar: field expansion has braces.
            raw_fields = next((v for k, v in reversed(incoming.query) if k == "fields"), "")
            fields = parse_fields(raw_fields, self.fields) if raw_fields.strip() else ()
            query = [(k, v) for k, v in incoming.query if k != "fields"]
            assert exchange.operation is not None
            try:
                params = exchange.operation.parameters.parse(query, incoming.headers, incoming.path_params)
            except ParamFault as fault:
                raise self._param_error(fault) from None
            params["fields"] = fields
            return params
        body_params(exchange)
        if exchange.body_fault:
            raise GraphError.invalid_parameter(exchange.body_fault)
        account_id = param(exchange, "adaccount_id")
        if account_id is None or account_id == "":
            raise self.example_error("graph_100_required")
        if not isinstance(account_id, str) or not self.account_id_re.search(account_id):
            raise GraphError.invalid_parameter("Param adaccount_id must be an ad account ID (act_<digits> or digits)")
        raw_tasks = task_values(exchange)
        tasks = parse_tasks(raw_tasks, exchange.incoming.limits) if raw_tasks else list(self.default_tasks)
        for index, task in enumerate(tasks):
            if task not in self.tasks:
                raise GraphError.invalid_parameter(
                    f"permitted_tasks[{index}] must be one of the following values: {', '.join(self.tasks)}"
                )
        if not tasks:
            raise GraphError.invalid_parameter("permitted_tasks must name at least one task")
        return {"adaccount_id": "act_" + account_id.removeprefix("act_"), "permitted_tasks": tuple(tasks)}

    def _param_error(self, fault: ParamFault) -> GraphError:
        return GraphError.invalid_parameter(fault.message)

    # ---- answers the pipeline asks for

    def example_error(self, name: str) -> GraphError:
        example = self.examples[name]
        return GraphError.from_body(example.value, example.status)

    def rate_limited(self, exchange: RequestContext, usage: Usage, now: float) -> ApiError:
        exchange.throttled = True
        return self.example_error("graph_80004")

    def bad_preference(self, message: str) -> ApiError:
        return GraphError.invalid_parameter(message)

    def internal_error(self, detail: str = "") -> ApiError:
        return GraphError.unknown_error()

    def forced(
        self, exchange: RequestContext, example: Example, body: Any, usage: Usage, now: float
    ) -> Reply | ApiError:
        if example.status < 400:
            return Reply(example.status, body)
        error = GraphError.from_body(body, example.status)
        exchange.throttled = error.code in (80000, 80004)
        return error

    def headers(self, exchange: RequestContext, usage: Usage, now: float) -> dict[str, str]:
        incoming = exchange.incoming
        headers = fixed_headers(incoming.path).copy()
        headers["x-fb-trace-id"] = exchange.trace
        headers["x-fb-request-id"] = self.new_trace()
        if exchange.principal is not None:
            throttled = usage.exceeded or exchange.throttled
            percent = 100 if throttled else min(100, round(usage.used_fraction * 100))
            business_id = incoming.path_params.get("business_id")
            # a batch names no business: its items carry their own
            regain = max(1, math.ceil((usage.reset_at - now) / 60)) if throttled and business_id is not None else 0
            app_usage, business_usage = usage_headers(business_id, percent, regain)
            headers["x-app-usage"] = app_usage
            if business_usage is not None:
                headers["X-Business-Use-Case-Usage"] = business_usage
        return headers

    def wire_status(self, exchange: RequestContext, status: int) -> int:
        """`suppress_http_code=1` (the JavaScript SDK's): the same answer with HTTP 200, as Graph does."""
        if status == 200:
            return status
        suppress = param(exchange, "suppress_http_code")
        return 200 if isinstance(suppress, str) and suppress in SUPPRESS_ON else status
