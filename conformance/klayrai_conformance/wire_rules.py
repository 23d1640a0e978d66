"""Rules about what goes over the wire for both APIs, as small functions of one exchange: the fields of an error
envelope, an answer to hostile input, and CORS (a preflight, and the headers a browser may read)."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from klayrai_conformance.exchange import Exchange
from mockserver.contract.spec import default_contract

Json = dict[str, Any]
# Values a handler that assumes tidy ASCII chokes on: each must get an answer in the API's own envelope.
HOSTILE_VALUES = {
    "non-ASCII text": "na\u00efve\u2014caf\u00e9 \u4e2d\u6587",
    "an emoji": "\U0001f600\U0001f4a5",
    "control characters": "a\x00b\x07c\x1bd\x7f",
    "a line break": "a\r\nX-Injected: 1",
    "a right-to-left override": "\u202eabc",
    "quotes and brackets": "\"'}{][<script>",
    "a long value": "x" * 3000,
}
INVALID_UTF8 = "%FF%FE%C3%28"  # percent-encoded bytes that are not UTF-8: sent as they are in the query
REQUEST_ID = re.compile(r"^req_[0-9a-f]+$")
KLAYRAI_PARAMETERS = {"klayrai-version", "status", "page", "page_size"}
KLAYRAI_NO_PARAM = {"authentication_error", "plan_insufficient", "not_found", "method_not_allowed", "rate_limit_error"}
CORS_SAFELISTED = {"cache-control", "content-language", "content-length", "content-type", "expires", "last-modified"}
CORS_SAFELISTED |= {"pragma"}


def error_of(exchange: Exchange) -> Json | None:
    body = exchange.json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None


def enveloped(exchange: Exchange, api: str) -> list[str]:
    """A hostile request's answer: not a server error, and an error comes in the API's own JSON envelope."""
    if exchange.status >= 500:
        return [f"HTTP {exchange.status} for a client's input: bad input is a client error, never a server error"]
    if exchange.status < 400:
        return [] if exchange.json_or_none() is not None else ["the answer is not JSON"]
    error = error_of(exchange)
    code = error.get("code") if error else None
    if (api == "klayrai" and not isinstance(code, str)) or (api == "meta" and not isinstance(code, int)):
        return [f"HTTP {exchange.status} not in the API's error envelope: {exchange.excerpt(120)}"]
    return []


def klayrai_error_fields(exchange: Exchange) -> list[str]:
    """`message` a text, `request_id` `req_<hex>`, `param` only on a parameter fault, naming one of the request's."""
    error = error_of(exchange)
    if error is None:
        return []
    problems = []
    if not isinstance(error.get("message"), str) or not error["message"].strip():
        problems.append(f"error.message {error.get('message')!r} is not a non-empty text")
    if not isinstance(error.get("request_id"), str) or not REQUEST_ID.match(error["request_id"]):
        problems.append(f"error.request_id {error.get('request_id')!r} is not req_<hex>")
    if "param" in error:
        param, code = error["param"], error.get("code")
        sent = {name for name, _ in parse_qsl(urlsplit(exchange.url).query, keep_blank_values=True)}
        sent |= KLAYRAI_PARAMETERS
        if code in KLAYRAI_NO_PARAM:
            problems.append(f"error.param {param!r} on a {code}: param is only for a parameter at fault")
        elif not isinstance(param, str) or param not in sent:
            problems.append(f"error.param {param!r} names no parameter of the request")
    return problems


def graph_error_fields(exchange: Exchange) -> list[str]:
    """`message`, `type`, `fbtrace_id` texts and `code` an integer, always; the optional fields of their types;
    `error_data` valid JSON; `fbtrace_id` the `x-fb-trace-id` header."""
    error = error_of(exchange)
    if error is None:
        return []
    problems = [
        f"error.{name} {error.get(name)!r} is not a non-empty text"
        for name in ("message", "type", "fbtrace_id")
        if not isinstance(error.get(name), str) or not error[name]
    ]
    if not isinstance(error.get("code"), int) or isinstance(error.get("code"), bool):
        problems.append(f"error.code {error.get('code')!r} is not an integer")
    kinds = {"error_subcode": int, "is_transient": bool, "error_user_title": str, "error_user_msg": str}
    for name, kind in kinds.items():
        value = error.get(name)
        if name in error and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            problems.append(f"error.{name} {value!r} is not {kind.__name__}")
    if "error_data" in error and isinstance(error["error_data"], str):
        try:
            json.loads(error["error_data"])
        except ValueError:
            problems.append(f"error.error_data {error['error_data']!r} is not valid JSON")
    trace = exchange.headers.get("x-fb-trace-id")
    if trace is not None and error.get("fbtrace_id") != trace:
        problems.append(f"error.fbtrace_id {error.get('fbtrace_id')!r} != x-fb-trace-id {trace!r}")
    return problems


@cache
def documented_headers(operation_id: str) -> frozenset[str]:
    """The response headers of an operation's 200 that a browser needs exposed (not safelisted, not CORS's own)."""
    definition = default_contract().operations[operation_id].definition
    names = {name.lower() for name in definition["responses"]["200"].get("headers", {})}
    return frozenset(name for name in names if name not in CORS_SAFELISTED and not name.startswith("access-control"))


def cors_preflight(exchange: Exchange, method: str, headers: list[str]) -> list[str]:
    """200, any origin allowed, the method and the headers asked for allowed, no body, no credentials needed."""
    if exchange.status != 200:
        return [f"a preflight got HTTP {exchange.status}, expected 200 (without credentials)"]
    problems = []
    if exchange.headers.get("access-control-allow-origin") not in ("*", exchange.request_headers.get("origin")):
        problems.append(f"Access-Control-Allow-Origin is {exchange.headers.get('access-control-allow-origin')!r}")
    methods = {m.strip().upper() for m in exchange.headers.get("access-control-allow-methods", "").split(",")}
    if method not in methods and "*" not in methods:
        problems.append(f"Access-Control-Allow-Methods {sorted(methods)} does not allow {method}")
    allowed = {h.strip().lower() for h in exchange.headers.get("access-control-allow-headers", "").split(",")}
    missing = [h for h in headers if h.lower() not in allowed and "*" not in allowed]
    if missing:
        problems.append(f"Access-Control-Allow-Headers does not allow {missing}")
    if exchange.body:
        problems.append(f"a preflight answer has a body ({len(exchange.body)} bytes)")
    return problems


def cors_exposed(exchange: Exchange, operation_id: str) -> list[str]:
    """A cross-origin answer: any origin may read it, with every documented response header."""
    origin = exchange.headers.get("access-control-allow-origin")
    if origin not in ("*", exchange.request_headers.get("origin")):
        return [f"Access-Control-Allow-Origin is {origin!r} on a cross-origin answer (HTTP {exchange.status})"]
    exposed = {h.strip().lower() for h in exchange.headers.get("access-control-expose-headers", "").split(",")}
    missing = sorted(documented_headers(operation_id) - exposed) if "*" not in exposed else []
    return [f"Access-Control-Expose-Headers leaves out {missing}"] if missing else []
