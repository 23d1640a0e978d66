"""The answers counted by the Redis state backend (the mock's coverage): one hash for every process. A request
counts in this process's memory; the counts ride along with the next batch of calls (`Link.riders`), one HINCRBY
per name in one script, so no request waits for them. While Redis is away they wait, bounded by the set of names."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from mockserver.state import scripts
from mockserver.state.redis_link import Command, Link


class RedisAnswers:
    def __init__(self, link: Link, key: Callable[[str], str]) -> None:
        self.link = link
        self.keys = [key("epoch"), key("answers")]
        self.waiting: Counter[str] = Counter()
        link.riders.append(self.ride)

    def count(self, name: str) -> None:
        self.waiting[name] += 1
        self.link.schedule()

    def ride(self) -> tuple[Command, Callable[[Any], None]] | None:
        """The counts to add, and what to do with the outcome: on failure they wait for the next batch. A call
        Redis reads past its deadline adds nothing, so counts given up on are not added twice when sent again."""
        if not self.waiting:
            return None
        counts, self.waiting = self.waiting, Counter()
        pairs = [part for name, count in counts.items() for part in (name, count)]
        command = self.link.command(scripts.TALLY, self.keys, [self.link.deadline(), "", *pairs])

        def done(result: Any) -> None:
            self.link.learn(scripts.TALLY, result)
            if result is None or isinstance(result, Exception):
                self.waiting.update(counts)

        return command, done

    async def read(self) -> dict[str, int]:
        await self.link.drain()  # what this process counted is written first
        flat = await self.link.call("HGETALL", self.keys[1])  # field, value, field, value... (the raw reply)
        return {name: int(count) for name, count in zip(flat[::2], flat[1::2], strict=True)}
