"""Scenario rules: errors and latency on demand, armed from the scenario file
(`mockserver.controls.scenario_file`) or the admin API.

A rule matches by operationId and request attributes (query, headers, credential, body), can skip its first
`after` matches, fire at most `times` times and with a `probability`, and answers with a documented response
(by `code`, by `example` name, or `dynamic`), adds latency, or both. The first rule that fires wins; a `Prefer`
header on the request (`mockserver.controls.prefer`) wins over every rule.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.contract.spec import Contract
from mockserver.controls.prefer import Directive, PreferenceError, choose
from mockserver.controls.scenario_file import rule_problems

Json = dict[str, Any]


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
