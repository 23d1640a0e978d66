"""The catalogue of rules the kit reports: every `x-invariants` id of openapi.yaml (checked by a schemathesis check,
a probe, or both, unless only the fixtures can verify it), the kit's own rules about HTTP itself (`transport.*`),
and schemathesis' built-in checks as `schemathesis.<check>`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cache

from klayrai_conformance import (  # noqa: F401  (the probe modules register their probes)
    probes_batch,
    probes_graph,
    probes_graph_auth,
    probes_graph_fields,
    probes_graph_paging,
    probes_graph_wire,
    probes_graph_writes,
    probes_klayrai,
    probes_klayrai_errors,
    probes_klayrai_wire,
    probes_limits,
    transport_rules,
)
from klayrai_conformance.checks import CHECK_RULES
from klayrai_conformance.fuzz import BUILTIN_CHECKS
from klayrai_conformance.probes import PROBES
from klayrai_conformance.target import TAG_API
from mockserver.contract.spec import default_contract

# Rules a conformance run cannot verify on one server: they relate the two APIs' data of one world, which only the
# fixtures hold (a real KlayrAI workspace's Meta accounts are not the Graph token's client accounts).
FIXTURE_ONLY = {
    "cross_api.meta_account_exists": "relates KlayrAI accounts to Graph nodes of the same world: fixture tests",
    "cross_api.status_derivation": "needs both APIs' view of the same ad account: fixture tests",
    "cross_api.business_agrees": "needs both APIs' view of the same ad account: fixture tests",
}
# Rules of the kit that openapi.yaml does not list: about HTTP itself, judged on every request of both APIs.
KIT_RULES = {rule: ("any", text) for rule, text in transport_rules.DESCRIPTIONS.items()}


@dataclass(frozen=True)
class Rule:
    id: str
    api: str  # klayrai | meta | any (built-in checks) | cross_api
    description: str
    by_check: bool
    by_probe: bool

    @property
    def how(self) -> str:
        if self.id.startswith("schemathesis."):
            return "schemathesis"
        if self.id in transport_rules.RULES:
            return "every request"
        return "+".join(name for name, on in (("check", self.by_check), ("probe", self.by_probe)) if on) or "fixtures"


def spec_invariants() -> dict[str, tuple[str, str]]:
    """`x-invariants` of openapi.yaml: id -> (api, description)."""
    contract = default_contract()
    found = {item["id"]: ("cross_api", item["description"]) for item in contract.spec.get("x-invariants", [])}
    for operation in contract.operations.values():
        api = next((TAG_API[tag] for tag in operation.tags if tag in TAG_API), "any")
        for item in operation.definition.get("x-invariants", []):
            found[item["id"]] = (api, item["description"])
    return found


@cache
def catalogue() -> tuple[Rule, ...]:
    checked = set(CHECK_RULES.values())
    spec = spec_invariants()
    described = {**spec, **{rule: text for rule, text in KIT_RULES.items() if rule not in spec}}
    every_request = set(transport_rules.RULES)
    rules = [
        Rule(rule, api, " ".join(text.split()), rule in checked | every_request, rule in set(PROBES) | every_request)
        for rule, (api, text) in described.items()
    ]
    rules += [Rule(f"schemathesis.{name}", "any", text, True, False) for name, text in BUILTIN_CHECKS.items()]
    return tuple(rules)


def by_id() -> dict[str, Rule]:
    return {rule.id: rule for rule in catalogue()}


def select(apis: tuple[str, ...], patterns: tuple[str, ...]) -> list[Rule]:
    """The runnable rules of the chosen APIs whose id matches one of the glob patterns (all when none)."""
    chosen = []
    for rule in catalogue():
        if rule.id in FIXTURE_ONLY or (rule.api not in apis and rule.api != "any"):
            continue
        if patterns and not any(fnmatch.fnmatchcase(rule.id, pattern) for pattern in patterns):
            continue
        chosen.append(rule)
    return chosen
