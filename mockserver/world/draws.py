"""The seeded sources of one world: a `random.Random` and a Faker seeded from it, with the cheap ways to draw.

Every random choice of a world goes through one `Draws`, in a fixed order, so the same seed gives the same bytes.
Faker costs ~100-250 us a call, so it only fills small pools of names that the RNG then combines; hot paths call
only `rand()` (int(rand() * n) instead of randrange), which is several times cheaper."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from faker import Faker


def unique(values: Iterable[str]) -> list[str]:
    """Distinct values in first-seen order (dict keeps insertion order; a set would not)."""
    return list(dict.fromkeys(values))


class Weighted:
    """A weighted choice driven by one `random()` call: `Random.choices` costs ~10x more per draw."""

    def __init__(self, values: Sequence[Any], weights: Sequence[int]) -> None:
        self.values = tuple(values)
        self.cum = tuple(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rand: Callable[[], float]) -> Any:
        return self.values[bisect.bisect(self.cum, rand() * self.total)]


class Draws:
    """The RNG of one world and Faker's name pools, drawn from it once."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rand = self.rng.random
        fake = Faker("en_US")
        fake.seed_instance(self.rng.getrandbits(64))
        self.fake = fake
        self.last_names = unique(fake.last_name() for _ in range(300))
        self.companies = unique(fake.company() for _ in range(60))
        self.first_names = unique(fake.first_name() for _ in range(80))

    def choice(self, values: Sequence[Any]) -> Any:
        return values[int(self.rand() * len(values))]

    def distinct(self, values: Sequence[Any], k: int) -> list[Any]:
        """`k` different items in draw order, for `k` much smaller than `len(values)` (cheaper than `sample`)."""
        picked: list[int] = []
        while len(picked) < k:
            index = int(self.rand() * len(values))
            if index not in picked:
                picked.append(index)
        return [values[i] for i in picked]

    def spread(self, values: Sequence[Any], weights: Sequence[int], n: int, cover: bool) -> list[Any]:
        """`n` weighted draws; with `cover` (and room), every value appears at least once, at random positions."""
        drawn = self.rng.choices(values, weights, k=n)
        if cover and n >= len(values):
            for position, value in zip(self.rng.sample(range(n), len(values)), values, strict=True):
                drawn[position] = value
        return drawn
