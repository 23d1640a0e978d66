"""What one exchange broke, as `Breach`s under rule ids.

The request is judged in the contract's order of checks (route -> credentials -> parameters and body) with the
compiled contract (`mockserver.contract.operations`: its routes, credential checks and parameter parsers) and the
APIs' surfaces (their route checks, parameter wording and envelopes, no world), so that a request the mock would
refuse is a violation here, and `--strict` can answer it exactly as the mock would. The response is judged by the
contract's `ResponseValidator` (status documented, schema, headers), its content type against the contract, and
then by every rule of the conformance kit that reads a single exchange.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.apis.api import Surface
from mockserver.contract.operations import Operations, Routed, credentials_present
from mockserver.contract.validation import ResponseValidator
from mockserver.errors import ApiError, GraphError, KlayraiError
from mockserver.exchange import RequestContext as MockExchange
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
class Breach:
    rule: str
    message: str


@dataclass
class RequestVerdict:
    findings: list[Breach]
    error: ApiError | None  # the API's own answer to the first fault: what --strict sends instead of forwarding


class Checker:
    def __init__(self, operations: Operations) -> None:
        self.operations = operations
        self.validator = ResponseValidator(operations)

    def check_request(self, api: Surface, exchange: MockExchange, routed: Routed, seen: kit.Exchange) -> RequestVerdict:
        """`routed`: the table's lookup of the request, whose operation `exchange` already carries."""
        incoming = exchange.incoming
        operation = exchange.operation
        if operation is None:
            allowed = list(routed.allowed)
            error = api.method_not_allowed(exchange, allowed) if allowed else api.not_found(exchange)
            where = f"{incoming.method} {incoming.path}"
            return RequestVerdict([Breach("request.route", f"{where} is not an operation of the contract")], error)
        findings: list[Breach] = []
        errors: list[ApiError] = []
        try:
            api.route_check(exchange)
        except ApiError as error:
            findings.append(Breach("request.route", error.message))
            errors.append(error)
        if not credentials_present(operation, seen.query, seen.request_headers, seen.body_params):
            error = MISSING_CREDENTIALS[api.name]()
            findings.append(Breach("request.auth", error.message))
            errors.append(error)
        try:
            api.parse(exchange)
        except ApiError as error:
            findings.append(Breach("request.parameters", error.message))
            errors.append(error)
        return RequestVerdict(findings, errors[0] if errors else None)

    def check_response(
        self, api: Surface, operation_id: str | None, seen: kit.Exchange, trace: str, refused: list[Breach]
    ) -> list[Breach]:
        """`refused`: what the request check found; a 2xx to such a request accepted what the contract refuses."""
        if operation_id is None or seen.method == "HEAD":
            return []
        problems = self.validator.problems(api.name, operation_id, seen.status, seen.body, seen.headers, trace)
        findings = [Breach(next(r for p, r in PROBLEM_RULES if text.startswith(p)), text) for text in problems]
        response = self.operations[operation_id].responses.get(seen.status)
        documented = response.media_types if response is not None else None
        content_type = (seen.header("content-type") or "").split(";", 1)[0].strip().lower()
        if documented and content_type not in documented:
            allowed = ", ".join(sorted(documented))
            findings.append(Breach("response.content_type", f"Content-Type {content_type!r}; documented: {allowed}"))
        if refused and 200 <= seen.status < 300:
            accepted = f"HTTP {seen.status} for a request the contract refuses: {refused[0].message}"
            findings.append(Breach("response.invalid_accepted", accepted))
        findings += [Breach(rule, message) for rule, message in kit.judge(operation_id, seen)]
        return findings

    @staticmethod
    def rules_checked(operation_id: str | None) -> list[str]:
        """The rules an exchange of this operation was judged by (JUnit lists passing rules too)."""
        if operation_id is None:
            return list(REQUEST_RULES)
        return [*REQUEST_RULES, *RESPONSE_RULES, *kit.rules_for(operation_id)]
