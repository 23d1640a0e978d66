"""Values computed from the world, kept until it changes: encoded records, and whole answers to repeated reads.

A mock's traffic repeats (the same page, the same fields, the same credential), and rendering is the costliest
step of a read, so what a read renders is kept under a key naming everything it depends on. Any change to the world
(`Store.version`) empties the cache; so does going over its byte budget, which bounds memory whatever the traffic.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from mockserver.store import Store

T = TypeVar("T")
BUDGET = 64 << 20  # bytes per cache


class WorldCache:
    def __init__(self, store: Store, budget: int = BUDGET, weigh: Callable[[Any], int] = len) -> None:
        """`budget`: the bytes the values may hold in all, as `weigh` counts them."""
        self.store = store
        self.budget = budget
        self.weigh = weigh
        self.version = -1
        self.used = 0
        self.values: dict[Hashable, Any] = {}

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value for `key`, made by `make()` on a miss; nothing is kept when `make` raises."""
        if self.version != self.store.version:
            self.clear()
        try:
            return self.values[key]  # type: ignore[no-any-return]
        except KeyError:
            value = make()
        size = self.weigh(value)
        if self.used + size > self.budget:
            self.clear()
        self.values[key] = value
        self.used += size
        return value

    def clear(self) -> None:
        self.values, self.used, self.version = {}, 0, self.store.version
