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


Window = tuple[Policy, float]  # a policy and the start of its current window


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
    """The policies in force, as this process knows them, and the clock windows are read on. The stores keep the
    counters; `mockserver.state.decisions` aligns the windows and reads the counts."""

    def __init__(self, default: Policy, clock: Callable[[], float] = time.time) -> None:
        self.default = default
        self.clock = clock
        self.policies: list[Policy] = []
        self.peeked: Usage | None = None  # the last `peek`

    @property
    def in_force(self) -> tuple[Policy, ...]:
        return (self.default, *self.policies)

    def peek(self) -> Usage:
        """The default budget, uncounted: what a request that never reached the limiter reports (every 401 does);
        the same until its window ends."""
        now, default, peeked = self.clock(), self.default, self.peeked
        window = default.window
        if peeked is not None and peeked.limit == default.limit and peeked.reset_at - window <= now < peeked.reset_at:
            return peeked
        self.peeked = Usage(default.limit, default.limit, math.floor(now / window) * window + window, False)
        return self.peeked


def policy_json(policy: Policy) -> dict[str, object]:
    return {
        "name": policy.name,
        "limit": policy.limit,
        "window": policy.window,
        "operation": policy.operation,
        "credential": policy.credential,
    }
