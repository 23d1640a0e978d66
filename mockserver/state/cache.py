"""Values the mock computes again and again, kept: encoded records and whole answers to repeated reads (emptied when
the world changes), and response-validation verdicts.

A mock's traffic repeats (the same page, the same fields, the same credential), and rendering is the costliest
step of a read, so what a read renders is kept under a key naming everything it depends on. A cache is emptied when
it would go over its byte budget, which bounds memory whatever the traffic; a `WorldCache` is also emptied on any
change to the world (`Store.version`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from mockserver.http.limits import CACHE_BYTES
from mockserver.state.store import Store

T = TypeVar("T")
BUDGET = CACHE_BYTES  # bytes per cache (`--cache-bytes`)
Weigh = Callable[[Any, Any], int]


def value_size(_key: Any, value: Any) -> int:
    return len(value)


class BoundedCache:
    def __init__(self, budget: int = BUDGET, weigh: Weigh = value_size) -> None:
        """`budget`: the bytes the entries may hold in all, as `weigh(key, value)` counts them."""
        self.budget = budget
        self.weigh = weigh
        self.used = 0
        self.values: dict[Hashable, Any] = {}

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value for `key`, made by `make()` on a miss; nothing is kept when `make` raises."""
        try:
            return self.values[key]  # type: ignore[no-any-return]
        except KeyError:
            value = make()
        self.put(key, value)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        size = self.weigh(key, value)
        if self.used + size > self.budget:
            self.clear()
        self.values[key] = value
        self.used += size

    def clear(self) -> None:
        self.values, self.used = {}, 0


class WorldCache(BoundedCache):
    """Values computed from the world: emptied when it changes."""

    def __init__(self, store: Store, budget: int = BUDGET, weigh: Weigh = value_size) -> None:
        super().__init__(budget, weigh)
        self.store = store
        self.version = store.version

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        if self.version != self.store.version:
            self.clear()
        try:
            return self.values[key]  # type: ignore[no-any-return]
        except KeyError:
            return super().get(key, make)

    def clear(self) -> None:
        super().clear()
        self.version = self.store.version


def memo(budget: int, weigh: Callable[[tuple[Any, ...], Any], int]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """`functools.lru_cache` for the request's way, bounded in bytes: `weigh(args, result)` counts an entry, and
    the memo is emptied when it would go over `budget` (whatever the clients send, it holds no more)."""

    def decorate(function: Callable[..., T]) -> Callable[..., T]:
        cache = BoundedCache(budget, weigh)

        def memoised(*args: Any) -> T:
            try:
                return cache.values[args]  # type: ignore[no-any-return]  # a hit: one look-up, no call
            except KeyError:
                return cache.get(args, lambda: function(*args))

        memoised.cache = cache  # type: ignore[attr-defined]
        memoised.__doc__ = function.__doc__
        return memoised

    return decorate


def text_size(args: tuple[Any, ...], result: Any) -> int:
    """The bytes a memo entry keeps, about: its text arguments twice (the key, and what the result repeats of them)
    plus a fixed overhead per entry."""
    return 2 * sum(len(arg) for arg in args if isinstance(arg, str | bytes)) + 200
