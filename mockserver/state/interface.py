"""Where the mock's mutable state lives: one interface, two stores chosen once in `Mock.build`.

A store keeps and counts; it never decides (`mockserver.state.decisions` does, the same for both). What a process
knows of the state is kept in local views it reads without I/O: the `store` (the seeded world plus client
relations), the `scenarios` (rules in force) and the `limiter` (rate-limit policies and the clock). Everything
that must be counted or changed goes through the backend's coroutines: one call per request (`admit`), plus one
per write. The in-memory backend (`mockserver.state.memory`, the default) answers them at once; the Redis backend
(`mockserver.state.redis`) shares them across processes, each call bounded by `--state-timeout`. The seeded world
itself is never shared: every process generates the same one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

from mockserver.errors import MockServerError
from mockserver.state.journal import Journal
from mockserver.state.limits import Policy, RateLimiter, Window
from mockserver.state.scenarios import ScenarioRule, Scenarios
from mockserver.state.store import Store
from mockserver.world.records import Relation


class Admission(NamedTuple):
    """What a request counted: each matching rule's hit number and each rate-limit window's count, this request
    included."""

    hits: tuple[int, ...]
    counts: tuple[int, ...]


class StateBackend(Protocol):
    store: Store
    scenarios: Scenarios
    limiter: RateLimiter
    journal: Journal

    async def admit(self, rules: Sequence[ScenarioRule], windows: Sequence[Window], credential: str) -> Admission:
        """Count one request for each rule and for `credential` in each window, under the rules and policies this
        process knows (StaleState when they changed elsewhere: nothing counted, the views are fresh again)."""

    async def request_access(self, business_id: str, ad_account_id: str, tasks: tuple[str, ...]) -> Relation | str:
        """Create a client relation, or the name of the contract example that refuses it."""

    async def approve(self, business_id: str, ad_account_id: str) -> Relation | None:
        """A pending request approved (a client account, last in order), None when there is none."""

    async def add_rule(self, spec: dict[str, Any]) -> ScenarioRule:
        """A rule added (or replacing the one of its name, its counters restarting)."""

    async def remove_rule(self, name: str) -> bool: ...
    async def clear_rules(self) -> None: ...
    async def set_policies(self, policies: list[Policy]) -> None:
        """The policies beside the default; every rate-limit counter restarts."""

    def count(self, name: str) -> None:
        """One answer counted under `name` (`mockserver.controls.coverage` names it): on the request's path, so it
        never waits; a shared store sends it with its next batch of calls."""

    async def answers(self) -> dict[str, int]:
        """The answers every process counted since start or the last reset, by name."""

    async def refresh(self) -> None:
        """Bring this process's views up to date (rules' counters included) before an admin call reads them."""

    async def reset(self) -> None:
        """Back to the seed for every process: relations, the scenario file's rules and limits, counters (answers
        included), journal."""

    async def health(self) -> str:
        """ "" when the state answers, else why not; never waits longer than a moment."""

    def describe(self) -> str:
        """One line for the start-up banner."""

    async def close(self) -> None: ...


class StaleState(Exception):
    """Rules or limits changed in another process since this one last looked; nothing was counted. The pipeline
    runs its checks again on the fresh view."""


class StateUnavailable(MockServerError):
    """The shared state cannot be reached in time: at start-up the mock exits; while serving, the request gets the
    API's own 5xx envelope and nothing is changed."""
