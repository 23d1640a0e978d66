"""Response validation: every answer the mock writes is checked against the contract before it leaves.

Validators are compiled once per (operation, status): bodies with jsonschema-rs, headers (plain strings with
simple schemas) with direct checks. A body's verdict is remembered under the body itself, since the same bytes
always get the same verdict and most answers of a mock repeat (a kept answer is the same bytes object, whose hash
Python computes once); error bodies differ only by the request's own id, so theirs are remembered with that id
masked (the mock writes every id in one format, and the id's header is checked on every answer). A violation is the
mock's own bug: the pipeline logs it and answers the API's 500 instead, so a client never sees an off-contract
response.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs
import orjson

from mockserver.contract.operations import Operations
from mockserver.contract.params import ecma_pattern
from mockserver.contract.spec import Contract
from mockserver.state.cache import BoundedCache

INTEGER = re.compile(r"[+-]?[0-9]{1,30}")
NON_NEGATIVE = re.compile(r"\+?[0-9]{1,30}")


HeaderCheck = Callable[[str], str | None]
HeaderAccepts = Callable[[str], object]  # truthy: the value passes (then its check finds nothing)
HEADER_KEYWORDS = {"type", "enum", "pattern", "minimum", "minLength"}
VERDICT_BYTES = 16 << 20  # of the bodies verdicts are kept under
BODY = "\0body"  # under `ResponseRules.passed`: no header has this name


def header_check(name: str, schema: dict[str, Any]) -> HeaderCheck:
    """A check of one header value against its schema; unsupported keywords fail here, at start-up."""
    unknown = set(schema) - HEADER_KEYWORDS
    if unknown:
        raise ValueError(f"header {name}: unsupported schema keywords {sorted(unknown)}")
    integer = schema.get("type") == "integer"
    enum = set(schema.get("enum", ()))
    pattern = ecma_pattern(schema["pattern"]) if "pattern" in schema else None
    minimum, min_length = schema.get("minimum"), schema.get("minLength", 0)

    def check(value: str) -> str | None:
        if integer:
            if not INTEGER.fullmatch(value):
                return f"{value!r} is not an integer"
            if minimum is not None and int(value) < minimum:
                return f"{value} is less than {minimum}"
        if enum and value not in enum:
            return f"{value!r} is not one of {sorted(enum)}"
        if pattern is not None and not pattern.search(value):
            return f"{value!r} does not match {pattern.pattern}"
        if len(value) < min_length:
            return f"{value!r} is shorter than {min_length}"
        return None

    return check


def header_accepts(schema: dict[str, Any], check: HeaderCheck) -> HeaderAccepts:
    """A quick yes for a value its check would pass, as one call into C where the schema allows (every header is
    checked on every answer): a non-negative integer, an enum, a pattern; `check` says why a value fails."""
    keywords = set(schema) - {"type"}
    if schema.get("type") == "integer" and keywords <= {"minimum"} and schema.get("minimum", 0) == 0:
        return NON_NEGATIVE.fullmatch
    if schema.get("type") == "string" and keywords == {"enum"}:
        return frozenset(schema["enum"]).__contains__
    if schema.get("type") == "string" and keywords == {"pattern"}:
        return ecma_pattern(schema["pattern"]).search
    if schema.get("type") == "string" and keywords == {"minLength"}:
        return re.compile(f"(?s).{{{int(schema['minLength'])}}}").match
    return lambda value: check(value) is None


@dataclass(frozen=True)
class ResponseRules:
    body: Any
    # as the contract spells it, lower-cased, required, a quick yes, the check that says what is wrong
    headers: tuple[tuple[str, str, bool, HeaderAccepts, HeaderCheck], ...]
    # What passed last, by identity, under each header's name (and BODY: the body with its verdict): the very same
    # object gets the same verdict, and the mock's constants, kept answers and memoized header texts are the very
    # same objects request after request. One entry per header: bounded.
    passed: dict[str, Any] = field(default_factory=dict, compare=False)


def compile_response(contract: Contract, response: dict[str, Any]) -> ResponseRules:
    content = contract.resolve(response).get("content", {}).get("application/json", {})
    body = jsonschema_rs.Draft4Validator(contract.deref(content.get("schema", {})), validate_formats=True)
    headers = []
    for name, header in contract.resolve(response).get("headers", {}).items():
        header = contract.deref(header)
        schema = header.get("schema", {})
        check = header_check(name, schema)
        headers.append((name, name.lower(), bool(header.get("required")), header_accepts(schema, check), check))
    return ResponseRules(body, tuple(headers))


class ResponseValidator:
    def __init__(self, operations: Operations) -> None:
        """Every documented response of the table, and the envelopes of unrouted errors (openapi.yaml's
        `x-unrouted-responses`: an unknown path or a method a path does not serve, by API and status)."""
        contract = operations.contract
        self.rules = {
            (op.operation_id, status): compile_response(contract, response.definition)
            for op in operations
            for status, response in op.responses.items()
        }
        self.envelopes = {
            (api, int(status)): compile_response(contract, contract.resolve(response))
            for api, by_status in contract.spec["x-unrouted-responses"].items()
            for status, response in by_status.items()
        }
        self.verdicts = BoundedCache(VERDICT_BYTES, weigh=lambda key, _verdict: len(key[-1]))

    def problems(
        self,
        api: str,
        operation_id: str | None,
        status: int,
        body: bytes,
        headers: dict[str, str],
        trace: str = "",
    ) -> list[str]:
        """What is off-contract in an answer; `trace` is the request's own id, wherever the body carries it.
        `headers` are named as the contract spells them (the mock's answers) or lower-cased (as the wire reads them:
        an upstream's, relayed by the proxy)."""
        rules = self.rules.get((operation_id, status)) if operation_id else self.envelopes.get((api, status))
        if rules is None:
            return [f"status {status} is not documented for {operation_id}"]
        passed = rules.passed
        last = passed.get(BODY)
        if last is None or last[0] is not body:
            last = passed[BODY] = (body, self._body_problems(api, operation_id, status, rules, body, trace))
        problems = list(last[1])
        for spelled, name, required, accepts, check in rules.headers:
            value = headers.get(spelled)
            if value is None:
                value = headers.get(name)
            if value is None:
                if required:
                    problems.append(f"header {name} is missing")
                continue
            if value is passed.get(name):
                continue
            if accepts(value):
                passed[name] = value
                continue
            problem = check(value)
            if problem is not None:
                problems.append(f"header {name}: {problem}")
        return problems

    def _body_problems(
        self, api: str, operation_id: str | None, status: int, rules: ResponseRules, body: bytes, trace: str
    ) -> tuple[str, ...]:
        shape = body.replace(trace.encode(), b"\0") if trace and status >= 400 else body
        return self.verdicts.get((api, operation_id, status, shape), lambda: body_problems(rules, body))


def body_problems(rules: ResponseRules, body: bytes) -> tuple[str, ...]:
    try:
        document = orjson.loads(body)  # a batch's answer is read on every batch: a few times faster than json
    except orjson.JSONDecodeError:
        try:  # what orjson refuses and the standard library reads, or says why it cannot
            document = json.loads(body)
        except ValueError:
            return ("body is not JSON",)
        except RecursionError:  # an upstream's answer, judged by the proxy: deeper than any documented body
            return ("body nests too deeply to be read",)
    return tuple(f"body{e.instance_path}: {e.message}" for e in rules.body.iter_errors(document))
