"""Response validation: every answer the mock writes is checked against the contract before it leaves.

Validators are compiled once per (operation, status) with jsonschema-rs. A violation is the mock's own bug: the
pipeline logs it and answers the API's 500 instead, so a client never sees an off-contract response.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from mockserver.contract import Contract


@dataclass(frozen=True)
class HeaderRule:
    name: str
    required: bool
    validator: Any
    integer: bool


@dataclass(frozen=True)
class ResponseRules:
    body: Any
    headers: tuple[HeaderRule, ...]


def compile_response(contract: Contract, response: dict[str, Any]) -> ResponseRules:
    content = contract.resolve(response).get("content", {}).get("application/json", {})
    body = jsonschema_rs.Draft4Validator(contract.deref(content.get("schema", {})), validate_formats=True)
    headers = []
    for name, header in contract.resolve(response).get("headers", {}).items():
        header = contract.deref(header)
        schema = header.get("schema", {})
        headers.append(
            HeaderRule(
                name.lower(),
                bool(header.get("required")),
                jsonschema_rs.Draft4Validator(schema, validate_formats=True),
                schema.get("type") == "integer",
            )
        )
    return ResponseRules(body, tuple(headers))


class ResponseValidator:
    def __init__(self, contract: Contract, envelopes: dict[tuple[str, int], dict[str, Any]]) -> None:
        """`envelopes`: (API name, status) -> the component response an unrouted error (404, 405) must follow."""
        self.rules = {
            (op_id, int(status)): compile_response(contract, response)
            for op_id in contract.operations
            for status, response in contract.responses(op_id).items()
        }
        self.envelopes = {key: compile_response(contract, response) for key, response in envelopes.items()}

    def problems(
        self, api: str, operation_id: str | None, status: int, body: bytes, headers: dict[str, str]
    ) -> list[str]:
        rules = self.rules.get((operation_id, status)) if operation_id else self.envelopes.get((api, status))
        if rules is None:
            return [f"status {status} is not documented for {operation_id}"]
        problems: list[str] = []
        try:
            document = json.loads(body)
        except ValueError:
            return ["body is not JSON"]
        problems += [f"body{e.instance_path}: {e.message}" for e in rules.body.iter_errors(document)]
        lowered = {k.lower(): v for k, v in headers.items()}
        for rule in rules.headers:
            value = lowered.get(rule.name)
            if value is None:
                if rule.required:
                    problems.append(f"header {rule.name} is missing")
                continue
            typed: Any = value
            if rule.integer:
                try:
                    typed = int(value)
                except ValueError:
                    problems.append(f"header {rule.name}: {value!r} is not an integer")
                    continue
            problems += [f"header {rule.name}: {e.message}" for e in rule.validator.iter_errors(typed)]
        return problems
