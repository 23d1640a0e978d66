"""The default state backend: this process's memory. Its coroutines never wait: one event loop runs them whole, so
concurrent duplicate POSTs create one relation, never two."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mockserver.contract.spec import Contract
from mockserver.settings import Settings
from mockserver.state import decisions
from mockserver.state.interface import Admission
from mockserver.state.journal import Journal
from mockserver.state.limits import Policy, RateLimiter, Window
from mockserver.state.scenarios import ScenarioRule, Scenarios
from mockserver.state.store import Store
from mockserver.world.records import Relation, World


@dataclass
class MemoryState:
    store: Store
    scenarios: Scenarios
    limiter: RateLimiter
    journal: Journal
    file_policies: list[Policy]
    generation: int = 0  # changes of the rules so far: a rule's counters are per generation, as in Redis
    changes: int = 0  # relations made at run time
    counters: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)  # bounded: policies x keys
    answered: Counter[str] = field(default_factory=Counter)  # bounded: the coverage's names

    @classmethod
    def build(
        cls, settings: Settings, contract: Contract, world: World, specs: list[dict[str, Any]], policies: list[Policy]
    ) -> MemoryState:
        limiter = RateLimiter(Policy.parse("default", settings.rate_limit))
        limiter.policies = list(policies)
        scenarios = Scenarios(contract, settings.seed, specs)
        return cls(Store(world), scenarios, limiter, Journal(settings.journal_size, settings.journal_bytes), policies)

    async def admit(self, rules: Sequence[ScenarioRule], windows: Sequence[Window], credential: str) -> Admission:
        hits = []
        for rule in rules:
            rule.seen += 1
            hits.append(rule.seen)
        counts = []
        for policy, start in windows:
            key = (policy.name, credential)
            window_start, count = self.counters.get(key, (start, 0))
            count = (count if window_start == start else 0) + 1
            self.counters[key] = (start, count)
            counts.append(count)
        return Admission(tuple(hits), tuple(counts))

    async def request_access(self, business_id: str, ad_account_id: str, tasks: tuple[str, ...]) -> Relation | str:
        refusal, status = decisions.judge(self.store.world, business_id, ad_account_id, self.store.relations)
        if refusal:
            return refusal
        return self.make(Relation(business_id, ad_account_id, tasks, status, 0))

    async def approve(self, business_id: str, ad_account_id: str) -> Relation | None:
        relation = self.store.relations.get((business_id, ad_account_id))
        if relation is None or relation.access_status != decisions.APPROVABLE:
            return None
        return self.make(Relation(business_id, ad_account_id, relation.permitted_tasks, "CONFIRMED", 0))

    def make(self, relation: Relation) -> Relation:
        made = Relation(relation.business_id, relation.ad_account_id, relation.permitted_tasks,
                        relation.access_status, self.store.first_change + self.changes)  # fmt: skip
        self.changes += 1
        self.store.apply(made)
        return made

    async def add_rule(self, spec: dict[str, Any]) -> ScenarioRule:
        self.scenarios.check(spec)
        self.generation += 1
        rule = ScenarioRule.from_spec(spec, self.generation)
        self.scenarios.rules = [r for r in self.scenarios.rules if r.name != rule.name] + [rule]
        return rule

    async def remove_rule(self, name: str) -> bool:
        kept = [r for r in self.scenarios.rules if r.name != name]
        removed = len(kept) != len(self.scenarios.rules)
        self.scenarios.rules = kept
        return removed

    async def clear_rules(self) -> None:
        self.scenarios.rules = []

    async def set_policies(self, policies: list[Policy]) -> None:
        self.limiter.policies = list(policies)
        self.counters.clear()

    def count(self, name: str) -> None:
        self.answered[name] += 1

    async def answers(self) -> dict[str, int]:
        return dict(self.answered)

    async def refresh(self) -> None:
        for rule in self.scenarios.rules:
            rule.fired = decisions.wins_until(rule, rule.seen, self.scenarios.seed)

    async def reset(self) -> None:
        self.store.reset()
        self.changes = 0
        self.scenarios.rules = self.scenarios.file_rules()
        await self.set_policies(self.file_policies)
        self.journal.clear()
        self.answered.clear()

    async def health(self) -> str:
        return ""

    def describe(self) -> str:
        return "State: in this process's memory (one process; --state redis://... shares it)."

    async def close(self) -> None:
        """Nothing to let go of."""
