"""Reading a Graph request's parameters: a POST's body (form or JSON) decoded once, a parameter by Graph's precedence
(the query, then the body), and `permitted_tasks` in every way clients write it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from mockserver.errors import limit_error
from mockserver.exchange import RequestContext
from mockserver.http.limits import JsonLimit, Limits

Json = dict[str, Any]

BODY_CONTENT_TYPES = ("application/x-www-form-urlencoded", "application/json")


def body_params(exchange: RequestContext) -> Json:
    """The request body as parameters, decoded once; a body that cannot be read is remembered as a fault."""
    if exchange.body is not None:
        return exchange.body
    incoming, params, fault = exchange.incoming, {}, None
    if incoming.body_too_large:
        fault = "Request body is too large"
    elif incoming.body.strip():
        if incoming.content_type == "application/json":
            try:
                decoded = incoming.limits.loads(incoming.body)
            except (ValueError, UnicodeDecodeError):
                decoded = None
            except JsonLimit as exc:  # answered once, by the step that first reads the body; then an empty body
                exchange.body, exchange.body_fault = {}, str(exc)
                raise limit_error("graph", str(exc)) from None
            params, fault = (decoded, None) if isinstance(decoded, dict) else ({}, "Body is not a JSON object")
        elif incoming.content_type in ("application/x-www-form-urlencoded", ""):
            try:
                pairs = parse_qsl(incoming.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            except UnicodeDecodeError:
                pairs, fault = [], "Body is not valid UTF-8"
            for key, value in pairs:
                params.setdefault(key, []).append(value)
        else:
            allowed = ", ".join(BODY_CONTENT_TYPES)
            fault = f"Unsupported Content-Type {incoming.content_type}; use one of: {allowed}"
    exchange.body, exchange.body_fault = params, fault
    return params


def query_param(exchange: RequestContext, name: str) -> str | None:
    """Last value of a parameter in the query."""
    for key, value in reversed(exchange.incoming.query):
        if key == name:
            return value
    return None


def param(exchange: RequestContext, name: str) -> Any:
    """Last value of a parameter from the query, else from the body (form or JSON) of a POST."""
    in_query = query_param(exchange, name)
    if in_query is not None or exchange.incoming.method != "POST":
        return in_query
    value = body_params(exchange).get(name)
    return value[-1] if isinstance(value, list) and exchange.incoming.content_type != "application/json" else value


def task_values(exchange: RequestContext) -> list[Any]:
    """`permitted_tasks` from the query, else the body: the same precedence as every other parameter."""
    in_query = [v for k, v in exchange.incoming.query if k == "permitted_tasks"]
    if in_query:
        return in_query
    value = body_params(exchange).get("permitted_tasks")
    if value is None:
        return []
    return value if exchange.incoming.content_type != "application/json" else [value]


def parse_tasks(values: list[Any], limits: Limits) -> list[str]:
    """`permitted_tasks` as sent: JSON array strings (the SDK), single-quoted arrays, comma lists, or real lists."""
    tasks: list[str] = []
    for value in values:
        if isinstance(value, list):
            tasks += [str(v) for v in value]
            continue
        text = str(value).strip()
        for attempt in (text, text.replace("'", '"')):
            try:
                decoded = limits.loads(attempt)
            except ValueError:
                continue
            if isinstance(decoded, list):
                tasks += [str(v) for v in decoded]
                break
        else:
            tasks += [part.strip(" \t[]'\"") for part in text.split(",")]
    return list(dict.fromkeys(tasks))
