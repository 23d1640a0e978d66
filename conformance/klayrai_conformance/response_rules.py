"""What the contract's schemas say about one recorded answer: its status is documented, its Content-Type too, its body
matches the schema and its documented headers are present and valid; and the CORS rules of openapi.yaml's
description for answers to browsers. Each problem names the field as a JSON path (`data[0].currency`).

The kit's live run leaves these to schemathesis' built-in checks; a recorded answer has no schemathesis case, so
they are judged here from the contract alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from klayrai_conformance.exchange import Exchange
from mockserver.contract.spec import Contract, default_contract

Json = dict[str, Any]
MAX_SCHEMA_PROBLEMS = 20  # per answer: a wholly wrong body says so without flooding the report

DESCRIPTIONS = {
    "response.status": "The answer's status is documented for the operation.",
    "response.content_type": "The answer's Content-Type is documented for the operation and status.",
    "response.schema": "The answer's body matches the documented schema.",
    "response.headers": "The documented response headers are present and valid.",
    "cors.allow_origin": "An answer to a request with `Origin` carries `Access-Control-Allow-Origin`.",
    "cors.expose_headers": "Every documented response header is listed in `Access-Control-Expose-Headers`.",
    "cors.preflight": (
        "A preflight (OPTIONS with Access-Control-Request-Method) on an API path is 200 with no body, allowing the "
        "origin, the method and the headers asked for, without credentials."
    ),
}


def json_path(parts: Iterable[str | int]) -> str:
    """`["data", 0, "currency"]` -> `data[0].currency`; the body itself is `$`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "$"


@cache
def documented(operation_id: str, status: int) -> Json | None:
    """The response object documented for a status (or `default`), dereferenced; None when there is none."""
    contract = default_contract()
    responses = contract.responses(operation_id)
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
    return contract.deref(response) if response is not None else None


@cache
def validator(operation_id: str, status: int, media_type: str) -> Any:
    response = documented(operation_id, status) or {}
    schema = response.get("content", {}).get(media_type, {}).get("schema")
    return Contract.validator(schema) if schema is not None else None


def content_type(exchange: Exchange) -> str:
    return (exchange.header("content-type") or "").split(";", 1)[0].strip().lower()


def status_problems(operation_id: str, exchange: Exchange) -> list[str]:
    if documented(operation_id, exchange.status) is None:
        return [f"status {exchange.status} is not documented for {operation_id}"]
    return []


def content_type_problems(operation_id: str, exchange: Exchange) -> list[str]:
    media = set((documented(operation_id, exchange.status) or {}).get("content", {}))
    if media and content_type(exchange) not in media:
        return [f"Content-Type {content_type(exchange)!r}; documented: {', '.join(sorted(media))}"]
    return []


def schema_problems(operation_id: str, exchange: Exchange) -> list[str]:
    check = validator(operation_id, exchange.status, content_type(exchange))
    if check is None or exchange.method == "HEAD":
        return []
    body = exchange.json_or_none()
    if body is None:
        return [f"$: HTTP {exchange.status}: the body is not JSON"]
    problems = []
    for error in sorted(check.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        where = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [name for name in error.validator_value if name not in error.instance]
            problems += [f"{json_path([*where, name])}: required, missing" for name in missing]
        else:
            problems.append(f"{json_path(where)}: {error.message[:300]}")
    return problems[:MAX_SCHEMA_PROBLEMS]


def header_problems(operation_id: str, exchange: Exchange) -> list[str]:
    problems = []
    for name, header in (documented(operation_id, exchange.status) or {}).get("headers", {}).items():
        value = exchange.header(name)
        if value is None:
            problems += [f"header {name}: required, missing"] if header.get("required") else []
            continue
        schema = header.get("schema", {})
        typed: Any = value
        if schema.get("type") == "integer":
            typed = int(value) if value.strip().lstrip("-").isdigit() else value
        problems += [f"header {name}: {error.message[:300]}" for error in Contract.validator(schema).iter_errors(typed)]
    return problems


def allow_origin_problems(operation_id: str, exchange: Exchange) -> list[str]:
    origin = exchange.request_headers.get("origin")
    allowed = exchange.header("access-control-allow-origin")
    if origin and allowed not in ("*", origin):
        return [f"header access-control-allow-origin: {allowed!r} for a request from {origin}"]
    return []


def expose_headers_problems(operation_id: str, exchange: Exchange) -> list[str]:
    if not exchange.request_headers.get("origin"):
        return []
    exposed = {name.strip().lower() for name in (exchange.header("access-control-expose-headers") or "").split(",")}
    names = (documented(operation_id, exchange.status) or {}).get("headers", {})
    if "*" in exposed:
        return []
    return [f"header {name}: not in access-control-expose-headers" for name in names if name.lower() not in exposed]


def preflight_problems(exchange: Exchange) -> list[str]:
    """The CORS preflight rule of openapi.yaml's description (an OPTIONS without Access-Control-Request-Method is
    not a preflight)."""
    method = exchange.request_headers.get("access-control-request-method")
    if not method:
        return []
    problems = [] if exchange.status in (200, 204) else [f"status {exchange.status}, not 200"]
    if exchange.body.strip():
        problems.append("$: a preflight answer has no body")
    origin = exchange.request_headers.get("origin")
    if exchange.header("access-control-allow-origin") not in ("*", origin):
        problems.append(f"header access-control-allow-origin: {exchange.header('access-control-allow-origin')!r}")
    methods = {m.strip().upper() for m in (exchange.header("access-control-allow-methods") or "").split(",")}
    if method.upper() not in methods and "*" not in methods:
        problems.append(f"header access-control-allow-methods: {method} not allowed")
    asked = [h.strip().lower() for h in exchange.request_headers.get("access-control-request-headers", "").split(",")]
    allowed = {h.strip().lower() for h in (exchange.header("access-control-allow-headers") or "").split(",")}
    problems += [
        f"header access-control-allow-headers: {name} not allowed" for name in asked if name and name not in allowed
    ]
    return problems if "*" not in allowed else [p for p in problems if "allow-headers" not in p]


RESPONSE_RULES: dict[str, Callable[[str, Exchange], list[str]]] = {
    "response.status": status_problems,
    "response.content_type": content_type_problems,
    "response.schema": schema_problems,
    "response.headers": header_problems,
    "cors.allow_origin": allow_origin_problems,
    "cors.expose_headers": expose_headers_problems,
}
