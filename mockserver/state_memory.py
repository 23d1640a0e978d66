"""The default state backend: this process's memory, as the mock has always kept it."""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.journal import Journal
from mockserver.ratelimit import Policy, RateLimiter
from mockserver.scenarios import Scenarios
from mockserver.store import Store


@dataclass
class MemoryState:
    store: Store
    scenarios: Scenarios
    limiter: RateLimiter
    journal: Journal
    file_policies: list[Policy]

    def refresh(self) -> None:
        """Nothing to do: this process is the only one."""

    def reset(self) -> None:
        self.store.reset()
        self.scenarios.reset()
        self.limiter.set_policies(self.file_policies)
        self.journal.clear()

    def describe(self) -> str:
        return "State: in this process's memory (one process; --state redis://... shares it)."
