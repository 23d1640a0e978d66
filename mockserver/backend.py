"""Where the mock's mutable state lives: one interface, two backends chosen once in `Mock.build`.

Everything a request or an admin call can change goes through a backend's four parts: the `store` (client
relations and pending approvals over the seeded world, and the version the read caches key on), the `scenarios`
(rules and their counters), the `limiter` (policies and counters) and the `journal`. The in-memory backend
(`mockserver.state_memory`, the default) is those parts as they are; the Redis backend (`mockserver.state_redis`)
keeps the same parts in step across processes. The seeded world itself is never shared: every process generates
the same one.
"""

from __future__ import annotations

from typing import Protocol

from mockserver.errors import MockServerError
from mockserver.journal import Journal
from mockserver.ratelimit import RateLimiter
from mockserver.scenarios import Scenarios
from mockserver.store import Store


class StateBackend(Protocol):
    store: Store
    scenarios: Scenarios
    limiter: RateLimiter
    journal: Journal

    def refresh(self) -> None:
        """Bring this process's view up to date before an admin call reads or changes it."""

    def reset(self) -> None:
        """Back to the seed for every process: world, the scenario file's rules and limits, counters, journal."""

    def describe(self) -> str:
        """One line for the start-up banner."""


class StaleState(Exception):
    """Rules or limits changed in another process since this one last looked; nothing was counted. The pipeline
    runs its checks again on the fresh view."""


class StateUnavailable(MockServerError):
    """The shared state cannot be reached: at start-up the mock exits; while serving, the request gets the API's
    own 5xx envelope and nothing is changed."""
