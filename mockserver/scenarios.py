"""Errors and latency on demand: the `Prefer` header, scenario rules (from a file or the admin API), and the
rate-limit policies they declare.

A rule matches by operationId and request attributes (query, headers, credential, body), can skip its first
`after` matches, fire at most `times` times and with a `probability`, and answers with a documented response
(by `code`, by `example` name, or `dynamic`), adds latency, or both. The first rule that fires wins; a `Prefer`
header on the request wins over every rule.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from mockserver.contract import FAST_LOADER, Contract, Example
from mockserver.errors import MockServerError
from mockserver.ratelimit import Policy

Json = dict[str, Any]
PREFER_KEYS = ("code", "example", "dynamic", "delay")
MAX_DELAY_MS = 60_000

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


class PreferenceError(Exception):
    """A `Prefer` header (or rule) asks for something the contract does not document."""


@dataclass
class Directive:
    """What a request is asked to get instead of its behaviour: a documented response, latency, or both."""

    status: int | None = None
    example: str | None = None
    dynamic: bool = False
    delay_ms: float = 0.0
    source: str = "prefer"

    @property
    def forces(self) -> bool:
        return self.status is not None or self.example is not None or self.dynamic


def parse_prefer(header: str) -> Directive:
    """`Prefer: code=429, example=rate_limit_error, dynamic=true, delay=250` (Prism's spelling, plus delay)."""
    directive = Directive()
    for token in filter(None, (t.strip() for t in re.split(r"[,;]", header))):
        key, sep, value = (part.strip() for part in token.partition("="))
        key = key.lower()
        if not sep or key not in PREFER_KEYS:
            raise PreferenceError(
                f"Unsupported Prefer preference '{token}'; allowed: code=, example=, dynamic=, delay="
            )
        value = value.strip('"')
        if key == "code":
            if not value.isdigit() or not 100 <= int(value) <= 599:
                raise PreferenceError(f"Prefer code must be an HTTP status code, got '{value}'")
            directive.status = int(value)
        elif key == "example":
            directive.example = value
        elif key == "dynamic":
            if value.lower() not in ("true", "false"):
                raise PreferenceError(f"Prefer dynamic must be true or false, got '{value}'")
            directive.dynamic = value.lower() == "true"
        else:
            if not value.isdigit() or int(value) > MAX_DELAY_MS:
                raise PreferenceError(f"Prefer delay must be milliseconds between 0 and {MAX_DELAY_MS}, got '{value}'")
            directive.delay_ms = float(value)
    return directive


def choose(contract: Contract, operation_id: str, directive: Directive) -> Example:
    """The documented response a directive asks for; PreferenceError naming what is documented otherwise."""
    examples = contract.examples(operation_id)
    if directive.example is not None:
        example = examples.get(directive.example)
        if example is None:
            raise PreferenceError(
                f"No example '{directive.example}' for {operation_id}; documented: {', '.join(examples)}"
            )
        if directive.status is not None and directive.status != example.status:
            raise PreferenceError(
                f"Example '{directive.example}' is a {example.status} response, not {directive.status}"
            )
        return example
    status = directive.status or min(int(s) for s in contract.responses(operation_id) if s.startswith("2"))
    for example in examples.values():
        if example.status == status:
            return example
    documented = ", ".join(sorted(contract.responses(operation_id)))
    raise PreferenceError(f"Status {status} is not documented for {operation_id}; documented: {documented}")


@dataclass
class Rule:
    name: str
    operation: str = "*"
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, str] = field(default_factory=dict)
    credential: str | None = None
    directive: Directive = field(default_factory=Directive)
    latency: tuple[float, float] | None = None
    probability: float = 1.0
    after: int = 0
    times: int | None = None
    seen: int = 0
    fired: int = 0
    spec: Json = field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: Json) -> Rule:
        when, respond = spec.get("when", {}), spec.get("respond", {})
        latency = spec.get("latency")
        if isinstance(latency, int | float):
            latency = (latency, latency)
        return cls(
            name=spec["name"],
            operation=spec.get("operation", "*"),
            query={k: str(v) for k, v in when.get("query", {}).items()},
            headers={k.lower(): str(v) for k, v in when.get("headers", {}).items()},
            body={k: str(v) for k, v in when.get("body", {}).items()},
            credential=when.get("credential"),
            directive=Directive(
                respond.get("code"), respond.get("example"), bool(respond.get("dynamic")), 0, spec["name"]
            ),
            latency=tuple(sorted(latency)) if latency else None,
            probability=spec.get("probability", 1.0),
            after=spec.get("after", 0),
            times=spec.get("times"),
            spec=spec,
        )

    def matches(
        self,
        operation_id: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: Mapping[str, Any],
        credential: str | None,
    ) -> bool:
        if self.operation not in ("*", operation_id):
            return False
        if self.credential is not None and self.credential != credential:
            return False
        if any(query.get(k) != v for k, v in self.query.items()):
            return False
        if any(headers.get(k) != v for k, v in self.headers.items()):
            return False
        return all(str(last(body.get(k))) == v for k, v in self.body.items())

    def as_json(self) -> Json:
        return {**self.spec, "seen": self.seen, "fired": self.fired}


def last(value: Any) -> Any:
    return value[-1] if isinstance(value, list) and value else value


class Scenarios:
    """The rules in force: those of the scenario file, then those added at run time."""

    def __init__(self, contract: Contract, seed: int, file_specs: list[Json] | None = None) -> None:
        self.contract = contract
        self.seed = seed
        self.rng = random.Random(seed)
        self.file_specs = list(file_specs or [])
        self.rules: list[Rule] = []
        self.reset()

    def reset(self) -> None:
        """Back to the file's rules, counters at zero; rules added at run time are dropped."""
        self.rng = random.Random(self.seed)
        self.rules = [Rule.from_spec(spec) for spec in self.file_specs]

    def add(self, spec: Json) -> Rule:
        problems = rule_problems(self.contract, spec, "rule")
        if problems:
            raise PreferenceError("; ".join(problems))
        rule = Rule.from_spec(spec)
        self.rules = [r for r in self.rules if r.name != rule.name] + [rule]
        return rule

    def remove(self, name: str) -> bool:
        kept = [r for r in self.rules if r.name != name]
        removed = len(kept) != len(self.rules)
        self.rules = kept
        return removed

    def decide(
        self,
        operation_id: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: Mapping[str, Any],
        credential: str | None,
    ) -> Directive | None:
        """The directive of the first rule that fires for this request, counting matches as it goes."""
        for rule in self.rules:
            if not rule.matches(operation_id, query, headers, body, credential):
                continue
            rule.seen += 1
            if rule.seen <= rule.after or (rule.times is not None and rule.fired >= rule.times):
                continue
            if not self.documented(operation_id, rule):
                continue
            if rule.probability < 1 and self.rng.random() >= rule.probability:
                continue
            rule.fired += 1
            return self.directive_of(rule)
        return None

    def clear(self) -> None:
        """Drop every rule, the file's included (until a reset brings those back)."""
        self.rules = []

    def directive_of(self, rule: Rule) -> Directive:
        """What a rule that fires asks for, with its latency drawn."""
        low, high = rule.latency or (0.0, 0.0)
        delay = low if low == high else self.rng.uniform(low, high)
        d = rule.directive
        return Directive(d.status, d.example, d.dynamic, delay, rule.name)

    def documented(self, operation_id: str, rule: Rule) -> bool:
        """A rule forcing a response this operation does not document never fires for it."""
        if not rule.directive.forces:
            return True
        try:
            choose(self.contract, operation_id, rule.directive)
        except PreferenceError:
            return False
        return True


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
