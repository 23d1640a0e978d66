"""Scenario rules and rate-limit policies as written: their schema, their checks against the contract (for the
scenario file and the admin API alike), and the scenario file that holds both.

Every problem is reported at once, naming where it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

from mockserver.contract.spec import FAST_LOADER, Contract
from mockserver.controls.prefer import MAX_DELAY_MS, Directive, PreferenceError, choose
from mockserver.errors import MockServerError
from mockserver.state.limits import Policy

Json = dict[str, Any]

LATENCY = {
    "oneOf": [
        {"type": "number", "minimum": 0, "maximum": MAX_DELAY_MS},
        {
            "type": "array",
            "items": {"type": "number", "minimum": 0, "maximum": MAX_DELAY_MS},
            "minItems": 2,
            "maxItems": 2,
        },
    ]
}
MATCH_MAP = {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}
RULE_SCHEMA: Json = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$"},
        "operation": {"type": "string"},
        "when": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "query": MATCH_MAP,
                "headers": MATCH_MAP,
                "body": MATCH_MAP,
                "credential": {"type": "string"},
            },
        },
        "respond": {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "properties": {
                "code": {"type": "integer", "minimum": 100, "maximum": 599},
                "example": {"type": "string"},
                "dynamic": {"type": "boolean"},
            },
        },
        "latency": LATENCY,
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "after": {"type": "integer", "minimum": 0},
        "times": {"type": "integer", "minimum": 1},
    },
    "anyOf": [{"required": ["respond"]}, {"required": ["latency"]}],
}
LIMIT_SCHEMA: Json = {
    "type": "object",
    "additionalProperties": False,
    "required": ["limit", "window"],
    "properties": {
        "name": {"type": "string"},
        "operation": {"type": "string"},
        "credential": {"type": "string"},
        "limit": {"type": "integer", "minimum": 1},
        "window": {"type": "number", "exclusiveMinimum": 0},
    },
}
FILE_SCHEMA: Json = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "scenarios": {"type": "array", "items": RULE_SCHEMA},
        "rate_limits": {"type": "array", "items": LIMIT_SCHEMA},
    },
}


def rule_problems(contract: Contract, spec: Any, where: str) -> list[str]:
    """Everything wrong with one rule, each naming where it is."""
    problems = schema_problems(RULE_SCHEMA, spec, where)
    if problems:
        return problems
    operation = spec.get("operation", "*")
    if operation != "*" and operation not in contract.operations:
        problems.append(
            f"{where}.operation: unknown operationId '{operation}'; known: {', '.join(contract.operations)}"
        )
        return problems
    respond = spec.get("respond")
    if respond and ("code" in respond or "example" in respond):
        directive = Directive(respond.get("code"), respond.get("example"))
        candidates = contract.operations if operation == "*" else [operation]
        errors = []
        for op in candidates:
            try:
                choose(contract, op, directive)
                break
            except PreferenceError as exc:
                errors.append(str(exc))
        else:
            problems.append(f"{where}.respond: {errors[0]}")
    return problems


def schema_problems(schema: Json, value: Any, where: str) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{where}{''.join(f'[{p}]' if isinstance(p, int) else f'.{p}' for p in error.absolute_path)}: {error.message}"
        for error in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    ]


def load_file(contract: Contract, path: Path) -> tuple[list[Json], list[Policy]]:
    """Read and check a scenario file; every problem is reported at once, naming where it is."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=FAST_LOADER) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise MockServerError(f"scenario file {path}: {exc}") from None
    problems = schema_problems(FILE_SCHEMA, data, str(path))
    if not problems:
        for index, spec in enumerate(data.get("scenarios", [])):
            problems += rule_problems(contract, spec, f"{path}.scenarios[{index}]")
        for index, spec in enumerate(data.get("rate_limits", [])):
            operation = spec.get("operation", "*")
            if operation != "*" and operation not in contract.operations:
                problems.append(f"{path}.rate_limits[{index}].operation: unknown operationId '{operation}'")
    if problems:
        raise MockServerError("invalid scenario file:\n  " + "\n  ".join(problems))
    policies = [
        Policy(
            spec.get("name", f"file-{i}"),
            spec["limit"],
            float(spec["window"]),
            spec.get("operation", "*"),
            spec.get("credential"),
        )
        for i, spec in enumerate(data.get("rate_limits", []))
    ]
    return list(data.get("scenarios", [])), policies
