"""Whether two answers to the same request are equivalent: the same status, the same documented headers, the same
fields, and the same values except those openapi.yaml marks `x-volatile: true` (trace and request ids, usage and
rate-limit figures, cursors and the links that carry them, sync times), which need only be present.

A string that holds JSON (a batch item's `body`) is compared as JSON, its volatile fields known by name. Headers the
contract does not document (`Date`, `Server`, ...) are not compared.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from klayrai_conformance.exchange import Exchange
from klayrai_conformance.response_rules import content_type, documented, json_path
from mockserver.contract import default_contract

Json = dict[str, Any]
MAX_DIFFERENCES = 20  # per answer
COMBINATORS = ("allOf", "oneOf", "anyOf")


def is_volatile(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("x-volatile") is True


@cache
def volatile_names() -> frozenset[str]:
    """Every property name marked volatile somewhere in the contract: for JSON the schema does not describe."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, value in (node.get("properties") or {}).items():
                if is_volatile(value):
                    found.add(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(default_contract().spec.get("components", {}).get("schemas", {}))
    return frozenset(found)


def property_schema(schema: Any, name: str) -> Any:
    """The schema of one property, looked for through allOf/oneOf/anyOf; None when the schema does not say."""
    if not isinstance(schema, dict):
        return None
    found = (schema.get("properties") or {}).get(name)
    if found is not None:
        return found
    for combinator in COMBINATORS:
        for option in schema.get(combinator) or []:
            found = property_schema(option, name)
            if found is not None:
                return found
    return None


def item_schema(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return None
    if "items" in schema:
        return schema["items"]
    for combinator in COMBINATORS:
        for option in schema.get(combinator) or []:
            found = item_schema(option)
            if found is not None:
                return found
    return None


def embedded_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return None


def compare_values(recorded: Any, answered: Any, schema: Any, path: list[str | int]) -> list[str]:
    """Differences between two JSON values at `path`; `schema` None: known only by the contract's volatile names."""
    if is_volatile(schema) or (schema is None and path and path[-1] in volatile_names()):
        return []
    if isinstance(recorded, dict) and isinstance(answered, dict):
        lost, added = sorted(recorded.keys() - answered), sorted(answered.keys() - recorded)
        differences = [f"{json_path([*path, k])}: recorded, missing in the answer" for k in lost]
        differences += [f"{json_path([*path, k])}: in the answer, not recorded" for k in added]
        for key in (k for k in recorded if k in answered):
            sub = property_schema(schema, key) if schema is not None else None
            differences += compare_values(recorded[key], answered[key], sub, [*path, key])
        return differences
    if isinstance(recorded, list) and isinstance(answered, list):
        differences = []
        if len(recorded) != len(answered):
            differences.append(f"{json_path(path)}: {len(recorded)} items recorded, {len(answered)} answered")
        sub = item_schema(schema) if schema is not None else None
        for index, (left, right) in enumerate(zip(recorded, answered, strict=False)):
            differences += compare_values(left, right, sub, [*path, index])
        return differences
    left, right = embedded_json(recorded), embedded_json(answered)
    if left is not None and right is not None:
        return compare_values(left, right, None, path)
    if recorded != answered or type(recorded) is not type(answered):
        return [f"{json_path(path)}: recorded {json.dumps(recorded)[:120]}, answered {json.dumps(answered)[:120]}"]
    return []


def header_differences(operation_id: str, recorded: Exchange, answered: Exchange) -> list[str]:
    differences = []
    for name, header in (documented(operation_id, recorded.status) or {}).get("headers", {}).items():
        left, right = recorded.header(name), answered.header(name)
        if (left is None) != (right is None):
            differences.append(f"header {name}: {'recorded' if right is None else 'answered'} only")
        elif left != right and not is_volatile(header):
            differences.append(f"header {name}: recorded {left!r}, answered {right!r}")
    return differences


def differences(operation_id: str, recorded: Exchange, answered: Exchange) -> list[str]:
    """What differs between a recorded answer and a new one to the same request, each with its JSON path."""
    if recorded.status != answered.status:
        found = [f"status: recorded {recorded.status}, answered {answered.status}"]
        found += error_differences(recorded, answered)
        return found
    found = header_differences(operation_id, recorded, answered)
    left, right = recorded.json_or_none(), answered.json_or_none()
    if left is None or right is None:
        if recorded.body != answered.body:
            found.append("$: the bodies differ (not JSON)")
        return found
    response = documented(operation_id, recorded.status) or {}
    schema = response.get("content", {}).get(content_type(recorded), {}).get("schema")
    return (found + compare_values(left, right, schema, []))[:MAX_DIFFERENCES]


def error_differences(recorded: Exchange, answered: Exchange) -> list[str]:
    """The error code and subcode of both answers, when either is an error of either API's envelope."""
    found = []
    for field in ("code", "error_subcode", "type"):
        left, right = error_field(recorded, field), error_field(answered, field)
        if left != right:
            found.append(f"error.{field}: recorded {json.dumps(left)}, answered {json.dumps(right)}")
    return found


def error_field(exchange: Exchange, field: str) -> Any:
    body = exchange.json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    return error.get(field) if isinstance(error, dict) else None
