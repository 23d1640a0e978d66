"""Fixed-window rate limits per credential, reported in each API's own headers and errors.

There is always a default policy (`--rate-limit`, generous by default so load tests are not throttled), so the
headers are real on every response; scenario files and the admin API add tighter ones, optionally per operation
or per credential. Windows are aligned to the epoch, so `reset` is the same for every caller of a window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    limit: int
    window: float
    operation: str = "*"
    credential: str | None = None

    def applies(self, operation_id: str | None, credential: str) -> bool:
        return (self.operation in ("*", operation_id)) and self.credential in (None, credential)

    @classmethod
    def parse(cls, name: str, text: str) -> Policy:
        """`"100/60"`: 100 requests per 60 seconds; `"off"`: a budget no mock can exhaust."""
        if text == "off":
            return cls(name, 2**31 - 1, 60.0)
        limit, _, window = text.partition("/")
        try:
            policy = cls(name, int(limit), float(window or 60))
        except ValueError:
            policy = cls(name, 0, 0.0)
        if policy.limit < 1 or policy.window <= 0:
            raise ValueError(f"rate limit must be N/SECONDS with N >= 1 and SECONDS > 0, or off; got {text!r}")
        return policy


class Usage(NamedTuple):
    """One request's standing in its window; a tuple, since one or two are made on every request."""

    limit: int
    remaining: int
    reset_at: float
    exceeded: bool

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.reset_at - now))

    @property
    def used_fraction(self) -> float:
        return (self.limit - self.remaining) / self.limit if self.limit else 1.0


class RateLimiter:
    def __init__(self, default: Policy, clock: Callable[[], float] = time.time) -> None:
        self.default = default
        self.clock = clock
        self.policies: list[Policy] = []
        self.counters: dict[tuple[str, str], tuple[float, int]] = {}

    def reset(self) -> None:
        self.counters.clear()

    def set_policies(self, policies: list[Policy]) -> None:
        self.policies = list(policies)
        self.counters.clear()

    def _window(self, policy: Policy, now: float) -> float:
        return math.floor(now / policy.window) * policy.window

    def applicable(self, operation_id: str | None, credential: str, now: float) -> list[tuple[Policy, float]]:
        """The policies that count this request, each with the start of its current window."""
        return [
            (policy, self._window(policy, now))
            for policy in (self.default, *self.policies)
            if policy.applies(operation_id, credential)
        ]

    def hit(self, operation_id: str | None, credential: str) -> Usage:
        """Count one request against every policy that applies; report the one with the least left."""
        counted = []
        for policy, start in self.applicable(operation_id, credential, self.clock()):
            key = (policy.name, credential)
            window_start, count = self.counters.get(key, (start, 0))
            count = (count if window_start == start else 0) + 1
            self.counters[key] = (start, count)
            counted.append((policy, start, count))
        return tally(counted)

    def peek(self) -> Usage:
        """The default budget, uncounted: what a request that never reached the limiter reports."""
        now = self.clock()
        start = self._window(self.default, now)
        return Usage(self.default.limit, self.default.limit, start + self.default.window, False)


def tally(counted: list[tuple[Policy, float, int]]) -> Usage:
    """The usage a request reports from its counts (policy, window start, count including it): the tightest
    budget, exceeded when any is."""
    tightest: Usage | None = None
    exceeded = False
    for policy, start, count in counted:
        usage = Usage(policy.limit, max(0, policy.limit - count), start + policy.window, count > policy.limit)
        exceeded = exceeded or usage.exceeded
        if tightest is None or usage.remaining < tightest.remaining:
            tightest = usage
    assert tightest is not None  # the default policy always applies
    return tightest if tightest.exceeded == exceeded else tightest._replace(exceeded=exceeded)
