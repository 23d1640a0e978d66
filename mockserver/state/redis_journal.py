"""The journal of the Redis state backend: one journal for every process. Entries are written off the request's
path, riding along with a batch of calls (`Link.riders`) once the oldest has waited `DELAY` (or `MAX_RIDE` wait);
at most `--journal-size` wait, the newest kept, while Redis is away. A read waits twice `DELAY` first, so that what
any process recorded before it is in it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import orjson

from mockserver.state import scripts
from mockserver.state.journal import Entry, Journal, View, select, shown
from mockserver.state.redis_link import Command, Link

MAX_RIDE = 200  # entries written by one call
DELAY = 0.01  # seconds an entry waits at most before it goes with the next batch (fewer, larger appends)


class RedisJournal(Journal):
    def __init__(self, capacity: int, link: Link, key: Callable[[str], str]) -> None:
        super().__init__(capacity)
        self.link = link
        self.keys = [key("epoch"), key("journal"), key("total")]
        self.waiting: list[Entry] = []  # masked and encoded when they go (`ride`), off the request's way
        self.skipped = 0  # recorded, then pushed out of `waiting` by newer ones before they went: counted in the total
        self.timer: asyncio.TimerHandle | None = None
        self.due = False  # entries have waited DELAY: the next batch carries them
        link.riders.append(self.ride)

    def next_id(self) -> int:
        return 0  # Redis numbers the entries as they arrive

    def record(self, entry: Entry) -> Entry:
        """Keep `entry` until it rides to Redis, which numbers it."""
        self.keep([entry])
        if self.timer is None and not self.due:
            self.timer = asyncio.get_running_loop().call_later(DELAY, self.come_due)
        return entry

    def come_due(self) -> None:
        self.timer, self.due = None, True
        self.link.schedule()

    def keep(self, entries: list[Entry]) -> None:
        self.waiting.extend(entries)
        over = len(self.waiting) - self.capacity
        if over > 0:
            del self.waiting[:over]
            self.skipped += over

    def ride(self) -> tuple[Command, Callable[[Any], None]] | None:
        """The next entries to write, and what to do with the outcome: on failure they wait for the next batch."""
        if not (self.waiting or self.skipped) or not (self.due or len(self.waiting) >= MAX_RIDE):
            return None
        entries, self.waiting = self.waiting[:MAX_RIDE], self.waiting[MAX_RIDE:]
        skipped, self.skipped = self.skipped, 0
        self.due = bool(self.waiting)
        # orjson: each entry holds bodies as JSON texts, which the standard encoder escapes 3-5x slower, and every
        # request pays for its entry here
        encoded = [orjson.dumps(shown(entry._asdict())) for entry in entries]
        command = self.link.command(scripts.APPEND, self.keys, [self.link.deadline(), skipped, self.capacity, *encoded])

        def done(result: Any) -> None:
            self.link.learn(scripts.APPEND, result)
            if result is None or isinstance(result, Exception):
                self.waiting[:0] = entries
                self.skipped += skipped
                self.keep([])
            elif self.waiting:
                self.link.schedule()

        return command, done

    async def read(
        self,
        operation_id: str | None,
        status: int | None,
        limit: int,
        violations: bool,
        since: float | None = None,
    ) -> View:
        await asyncio.sleep(2 * DELAY)  # what other processes recorded before this read is written meanwhile
        if self.waiting:  # and what this one recorded, now
            self.come_due()
        await self.link.drain()
        total, raw = await asyncio.gather(
            self.link.call("GET", self.keys[2]), self.link.call("LRANGE", self.keys[1], 0, -1)
        )
        entries = ({**json.loads(text), "id": int(number)} for number, _, text in (i.partition("|") for i in raw))
        total = int(total or 0)
        return View(total, max(0, total - len(raw)), select(entries, operation_id, status, limit, violations, since))

    async def drop(self) -> None:
        await self.link.call("DEL", self.keys[1])
