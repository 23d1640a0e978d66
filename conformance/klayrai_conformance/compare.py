"""Whether two answers to the same request are equivalent: the same status, the same documented headers, the same
fields, and the same values except the volatile ones (trace and request ids, usage and rate-limit figures, cursors and
the links that carry them, sync times), which need only be present: the headers openapi.yaml marks
`x-volatile: true` and the schema properties its `components.x-volatile-properties` points to.

A string that holds JSON (a batch item's `body`) is compared as JSON, its volatile fields known by name. Headers the
contract does not document (`Date`, `Server`, ...) are not compared.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from klayrai_conformance.exchange import Exchange
from klayrai_conformance.response_rules import content_type, documented, json_path
from mockserver.contract.spec import default_contract

Json = dict[str, Any]
Node = tuple[str, Any]  # a schema and its JSON pointer in the contract (where `x-volatile-properties` points)
MAX_DIFFERENCES = 20  # per answer
COMBINATORS = ("allOf", "oneOf", "anyOf")


def is_volatile(header: Any) -> bool:
    return isinstance(header, dict) and header.get("x-volatile") is True


@cache
def volatile_pointers() -> frozenset[str]:
    return frozenset(default_contract().spec.get("components", {}).get("x-volatile-properties", []))


@cache
def volatile_names() -> frozenset[str]:
    """The names of the volatile properties: for JSON the schema does not describe (a batch item's body)."""
    return frozenset(pointer.rsplit("/", 1)[-1] for pointer in volatile_pointers())


def follow(node: Node) -> Node:
    """Through `$ref`s, keeping the pointer of the schema reached."""
    pointer, schema = node
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        pointer = schema["$ref"]
        schema = default_contract().resolve(schema)
    return pointer, schema


def options(node: Node) -> list[Node]:
    """A schema and the members of its allOf/oneOf/anyOf, recursively, each with its pointer."""
    pointer, schema = follow(node)
    found = [(pointer, schema)]
    for combinator in COMBINATORS:
        for index, option in enumerate(schema.get(combinator) or [] if isinstance(schema, dict) else []):
            found += options((f"{pointer}/{combinator}/{index}", option))
    return found


def property_node(node: Node | None, name: str) -> Node | None:
    """The schema of one property, looked for through allOf/oneOf/anyOf; None when the schema does not say."""
    for pointer, schema in options(node) if node is not None else []:
        if isinstance(schema, dict) and name in (schema.get("properties") or {}):
            return f"{pointer}/properties/{name}", schema["properties"][name]
    return None


def item_node(node: Node | None) -> Node | None:
    for pointer, schema in options(node) if node is not None else []:
        if isinstance(schema, dict) and "items" in schema:
            return f"{pointer}/items", schema["items"]
    return None


def embedded_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return None


def compare_values(recorded: Any, answered: Any, node: Node | None, path: list[str | int]) -> list[str]:
    """Differences between two JSON values at `path`; `node` None: known only by the contract's volatile names."""
    volatile = node[0] in volatile_pointers() if node is not None else bool(path) and path[-1] in volatile_names()
    if volatile:
        return []
    if isinstance(recorded, dict) and isinstance(answered, dict):
        lost, added = sorted(recorded.keys() - answered), sorted(answered.keys() - recorded)
        differences = [f"{json_path([*path, k])}: recorded, missing in the answer" for k in lost]
        differences += [f"{json_path([*path, k])}: in the answer, not recorded" for k in added]
        for key in (k for k in recorded if k in answered):
            differences += compare_values(recorded[key], answered[key], property_node(node, key), [*path, key])
        return differences
    if isinstance(recorded, list) and isinstance(answered, list):
        differences = []
        if len(recorded) != len(answered):
            differences.append(f"{json_path(path)}: {len(recorded)} items recorded, {len(answered)} answered")
        sub = item_node(node)
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
    return (found + compare_values(left, right, schema_node(operation_id, recorded), []))[:MAX_DIFFERENCES]


def schema_node(operation_id: str, exchange: Exchange) -> Node | None:
    """The documented schema of an answer, with its pointer (through the response's `$ref`)."""
    operation = default_contract().operations[operation_id]
    escaped = operation.path.replace("~", "~0").replace("/", "~1")
    responses = operation.definition.get("responses", {})
    status = str(exchange.status) if str(exchange.status) in responses else "default"
    if status not in responses:
        return None
    pointer, response = follow((f"#/paths/{escaped}/{operation.method.lower()}/responses/{status}", responses[status]))
    media = content_type(exchange)
    schema = response.get("content", {}).get(media, {}).get("schema")
    return (f"{pointer}/content/{media.replace('/', '~1')}/schema", schema) if schema is not None else None


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
