"""What one exchange broke, as `Finding`s under rule ids.

The request is judged in the contract's order of checks (route -> credentials -> parameters and body) with the
mock's own machinery: its routes, its APIs' route checks and parameter parsers (`ParameterParser`, compiled from
the contract), so that a request the mock would refuse is a violation here, and `--strict` can answer it exactly as
the mock would. The response is judged by the mock's `ResponseValidator` (status documented, schema, headers), its
content type against the contract, and then by every rule of the conformance kit that reads a single exchange.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mockserver.apis.api import Api
from mockserver.contract.spec import Contract
from mockserver.contract.validation import ResponseValidator
from mockserver.errors import ApiError, GraphError, KlayraiError
from mockserver.exchange import Exchange as MockExchange
from mockserver.mock import Mock
from mockserver.proxy import kit

# The proxy's own rules, beside the kit's (whose ids come from openapi.yaml's x-invariants).
PROXY_RULES = {
    "request.route": "The request's method and path are an operation of the contract.",
    "request.auth": "The request carries the credentials the operation's security requires.",
    "request.parameters": "The request's parameters and body are valid for the operation.",
    "response.status": "The response's status is documented for the operation.",
    "response.content_type": "The response's Content-Type is documented for the operation and status.",
    "response.schema": "The response body matches the documented schema.",
    "response.headers": "The documented response headers are present and valid.",
    "response.invalid_accepted": "A request with invalid credentials, parameters or body is not answered with a 2xx.",
    "upstream.unreachable": "The upstream answers HTTP (no refused connection, TLS failure or non-HTTP answer).",
    "upstream.timeout": "The upstream answers within the configured timeouts.",
    "upstream.too_large": "The upstream's answer is no larger than --max-answer-bytes.",
    "upstream.loop": "A request forwarded by this proxy does not come back to it (its mark in Via).",
}
REQUEST_RULES = ("request.route", "request.auth", "request.parameters")
RESPONSE_RULES = (
    "response.status", "response.content_type", "response.schema", "response.headers", "response.invalid_accepted"
)  # fmt: skip
MISSING_CREDENTIALS = {"klayrai": KlayraiError.missing_key, "graph": GraphError.token_required}
PROBLEM_RULES = (("status ", "response.status"), ("header ", "response.headers"), ("body", "response.schema"))


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str


@dataclass
class RequestVerdict:
    findings: list[Finding]
    error: ApiError | None  # the API's own answer to the first fault: what --strict sends instead of forwarding


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    method: str
    operation_id: str


def compile_routes(contract: Contract) -> list[Route]:
    return [
        Route(re.compile(re.sub(r"\{([^}]+)\}", r"(?P<\1>[^/]+)", op.path)), op.method, op.operation_id)
        for op in contract.operations.values()
    ]


def carries(scheme: dict[str, Any], exchange: kit.Exchange) -> bool:
    """Whether the request carries a credential for one security scheme (its validity is the upstream's call)."""
    if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
        return bool(exchange.request_headers.get(scheme["name"].lower()))
    if scheme.get("type") == "apiKey" and scheme.get("in") == "query":  # the contract also allows a form body
        return any(exchange.query_values(scheme["name"])) or bool(exchange.body_params().get(scheme["name"]))
    if scheme.get("type") == "http" and scheme.get("scheme") == "bearer":  # Graph also takes `OAuth <token>`
        words = exchange.request_headers.get("authorization", "").split()
        return len(words) == 2 and words[0].lower() in ("bearer", "oauth")
    return True  # a scheme the proxy cannot see is given the benefit of the doubt


class Checker:
    def __init__(self, mock: Mock) -> None:
        assert mock.validator is not None, "the proxy's mock is built with response validation on"
        self.mock = mock
        self.validator: ResponseValidator = mock.validator
        contract = mock.contract
        self.routes = compile_routes(contract)
        schemes = contract.spec.get("components", {}).get("securitySchemes", {})
        default = contract.spec.get("security", [])
        self.security = {
            op_id: [[schemes[name] for name in requirement] for requirement in op.definition.get("security", default)]
            for op_id, op in contract.operations.items()
        }
        self.media_types = {
            (op_id, int(status)): {media.lower() for media in response.get("content", {})}
            for op_id in contract.operations
            for status, response in contract.responses(op_id).items()
        }

    def route(self, method: str, path: str) -> tuple[str | None, dict[str, str], bool]:
        """`(operationId, path parameters, whether the path is the contract's)` of a request."""
        method = "GET" if method == "HEAD" else method
        known = False
        for route in self.routes:
            match = route.pattern.fullmatch(path)
            if match is not None:
                known = True
                if route.method == method:
                    return route.operation_id, match.groupdict(), True
        return None, {}, known

    def check_request(self, api: Api, exchange: MockExchange, seen: kit.Exchange) -> RequestVerdict:
        incoming = exchange.incoming
        if exchange.operation_id is None:
            path_known = self.route(incoming.method, incoming.path)[2]
            error = (
                api.method_not_allowed(exchange, self.mock.allowed(incoming.path)) if path_known
                else api.not_found(exchange)
            )  # fmt: skip
            where = f"{incoming.method} {incoming.path}"
            return RequestVerdict([Finding("request.route", f"{where} is not an operation of the contract")], error)
        findings: list[Finding] = []
        errors: list[ApiError] = []
        try:
            api.route_check(exchange)
        except ApiError as error:
            findings.append(Finding("request.route", error.message))
            errors.append(error)
        requirements = self.security.get(exchange.operation_id, [])
        if requirements and not any(all(carries(s, seen) for s in requirement) for requirement in requirements):
            error = MISSING_CREDENTIALS[api.name]()
            findings.append(Finding("request.auth", error.message))
            errors.append(error)
        try:
            api.parse(exchange)
        except ApiError as error:
            findings.append(Finding("request.parameters", error.message))
            errors.append(error)
        return RequestVerdict(findings, errors[0] if errors else None)

    def check_response(
        self, api: Api, operation_id: str | None, seen: kit.Exchange, trace: str, refused: list[Finding]
    ) -> list[Finding]:
        """`refused`: what the request check found; a 2xx to such a request accepted what the contract refuses."""
        if operation_id is None or seen.method == "HEAD":
            return []
        problems = self.validator.problems(api.name, operation_id, seen.status, seen.body, seen.headers, trace)
        findings = [Finding(next(r for p, r in PROBLEM_RULES if text.startswith(p)), text) for text in problems]
        documented = self.media_types.get((operation_id, seen.status))
        content_type = (seen.header("content-type") or "").split(";", 1)[0].strip().lower()
        if documented and content_type not in documented:
            allowed = ", ".join(sorted(documented))
            findings.append(Finding("response.content_type", f"Content-Type {content_type!r}; documented: {allowed}"))
        if refused and 200 <= seen.status < 300:
            accepted = f"HTTP {seen.status} for a request the contract refuses: {refused[0].message}"
            findings.append(Finding("response.invalid_accepted", accepted))
        findings += [Finding(rule, message) for rule, message in kit.judge(operation_id, seen)]
        return findings

    @staticmethod
    def rules_checked(operation_id: str | None) -> list[str]:
        """The rules an exchange of this operation was judged by (JUnit lists passing rules too)."""
        if operation_id is None:
            return list(REQUEST_RULES)
        return [*REQUEST_RULES, *RESPONSE_RULES, *kit.rules_for(operation_id)]
