"""Values computed from the world, kept until it changes: encoded records, and whole answers to repeated reads.

A mock's traffic repeats (the same page, the same fields, the same credential), and rendering is the costliest
step of a read, so what a read renders is kept under a key naming everything it depends on. Any change to the world
(`Store.version`) empties the cache; so does reaching `limit` entries, which bounds memory whatever the traffic.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from mockserver.store import Store

T = TypeVar("T")


class WorldCache:
    def __init__(self, store: Store, limit: int) -> None:
        self.store = store
        self.limit = limit
        self.version = -1
        self.values: dict[Hashable, object] = {}

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value for `key`, made by `make()` on a miss; nothing is kept when `make` raises."""
        if self.version != self.store.version or len(self.values) >= self.limit:
            self.values, self.version = {}, self.store.version
        try:
            return self.values[key]  # type: ignore[return-value]
        except KeyError:
            value = self.values[key] = make()
            return value
