"""Scenario rules: errors and latency on demand, armed from the scenario file
(`mockserver.controls.scenario_file`) or the admin API.

A rule matches by operationId and request attributes (query, headers, credential, body), can skip its first
`after` matches, fire at most `times` times and with a `probability` (all decided in `mockserver.state.decisions`),
and answers with a documented response
(by `code`, by `example` name, or `dynamic`), adds latency, or both. The first rule that fires wins; a `Prefer`
header on the request (`mockserver.controls.prefer`) wins over every rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.contract.spec import Contract
from mockserver.controls.prefer import Directive, PreferenceError
from mockserver.controls.scenario_file import rule_problems

Json = dict[str, Any]


@dataclass
class ScenarioRule:
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
    since: int = 0  # the controls' generation that added it: counters are per rule and generation
    seen: int = 0
    fired: int = 0
    spec: Json = field(default_factory=dict)
    documented: dict[str, bool] = field(default_factory=dict, repr=False)  # per operation (decisions.documented)
    counted: tuple[int, int] = (0, 0)  # hits checked and won so far (decisions.wins_until)

    @classmethod
    def from_spec(cls, spec: Json, since: int = 0) -> ScenarioRule:
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
            since=since,
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

    @property
    def key(self) -> str:
        """The name of its counter: a rule added again under the same name counts afresh."""
        return f"{self.name}#{self.since}"

    def as_json(self) -> Json:
        return {**self.spec, "seen": self.seen, "fired": self.fired}


def last(value: Any) -> Any:
    return value[-1] if isinstance(value, list) and value else value


class Scenarios:
    """The rules in force, as this process knows them: the scenario file's, then those added at run time. The
    stores keep their counters; `mockserver.state.decisions` says which fires."""

    def __init__(self, contract: Contract, seed: int, file_specs: list[Json] | None = None) -> None:
        self.contract = contract
        self.seed = seed
        self.file_specs = list(file_specs or [])
        self.rules: list[ScenarioRule] = self.file_rules()

    def file_rules(self) -> list[ScenarioRule]:
        return [ScenarioRule.from_spec(spec) for spec in self.file_specs]

    def check(self, spec: Json) -> None:
        """PreferenceError naming what is wrong with a rule sent to the admin API."""
        problems = rule_problems(self.contract, spec, "rule")
        if problems:
            raise PreferenceError("; ".join(problems))
