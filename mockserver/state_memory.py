"""The default state backend: this process's memory, as the mock has always kept it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.contract.spec import Contract
from mockserver.journal import Journal
from mockserver.ratelimit import Policy, RateLimiter
from mockserver.scenarios import Scenarios
from mockserver.settings import Settings
from mockserver.store import Store
from mockserver.world.records import World


@dataclass
class MemoryState:
    store: Store
    scenarios: Scenarios
    limiter: RateLimiter
    journal: Journal
    file_policies: list[Policy]

    @classmethod
    def build(
        cls, settings: Settings, contract: Contract, world: World, specs: list[dict[str, Any]], policies: list[Policy]
    ) -> MemoryState:
        limiter = RateLimiter(Policy.parse("default", settings.rate_limit))
        limiter.set_policies(policies)
        scenarios = Scenarios(contract, settings.seed, specs)
        return cls(Store(world), scenarios, limiter, Journal(settings.journal_size, settings.journal_bytes), policies)

    def refresh(self) -> None:
        """Nothing to do: this process is the only one."""

    def reset(self) -> None:
        self.store.reset()
        self.scenarios.reset()
        self.limiter.set_policies(self.file_policies)
        self.journal.clear()

    def describe(self) -> str:
        return "State: in this process's memory (one process; --state redis://... shares it)."
