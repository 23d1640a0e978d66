"""The journal of the Redis state backend: one journal for every process. Entries are written off the request's
path, riding along with a batch of calls (`Link.riders`) once the oldest has waited `DELAY` (or `MAX_RIDE` wait);
at most `--journal-size` wait, the newest kept, while Redis is away. A read waits twice `DELAY` first, so that what
any process recorded before it is in it."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import itertools
import json
from collections.abc import Callable
from typing import Any

import orjson

from mockserver.state import scripts
from mockserver.state.journal import Journal, Recorded, View, select, shown
from mockserver.state.redis_link import Command, Link

MAX_RIDE = 200  # entries written by one call
APART = 256  # characters from which a response body is kept once by digest, not in every entry
DELAY = 0.01  # seconds an entry waits at most before it goes with the next batch (fewer, larger appends)


class RedisJournal(Journal):
    def __init__(self, capacity: int, link: Link, key: Callable[[str], str]) -> None:
        super().__init__(capacity)
        self.link = link
        self.keys = [key("epoch"), key("journal"), key("total"), key("bodies")]
        self.waiting: list[Recorded] = []  # masked and encoded when they go (`ride`), off the request's way
        self.skipped = 0  # recorded, then pushed out of `waiting` by newer ones before they went: counted in the total
        self.timer: asyncio.TimerHandle | None = None
        self.due = False  # entries have waited DELAY: the next batch carries them
        link.riders.append(self.ride)

    def next_id(self) -> int:
        return 0  # Redis numbers the entries as they arrive

    def record(self, entry: Recorded) -> Recorded:
        """Keep `entry` until it rides to Redis, which numbers it."""
        self.keep([entry])
        if self.timer is None and not self.due:
            self.timer = asyncio.get_running_loop().call_later(DELAY, self.come_due)
        return entry

    def come_due(self) -> None:
        self.timer, self.due = None, True
        self.link.schedule()

    def keep(self, entries: list[Recorded]) -> None:
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
        bodies: dict[str, str] = {}
        encoded = [encode(shown(entry._asdict()), bodies) for entry in entries]
        sent = [*itertools.chain.from_iterable(bodies.items()), *encoded]
        args = [self.link.deadline(), skipped, self.capacity, len(bodies), *sent]
        command = self.link.command(scripts.APPEND, self.keys, args)

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
        total, raw, digests, texts = await self.link.script(scripts.READ, self.keys[1:], [])
        bodies = dict(zip(digests, texts, strict=True))
        entries = (decode(text, bodies) for text in raw)
        total = int(total)
        return View(total, max(0, total - len(raw)), select(entries, operation_id, status, limit, violations, since))

    async def drop(self) -> None:
        await self.link.call("DEL", self.keys[1], self.keys[3])


@functools.lru_cache(maxsize=256)
def digest(body: str) -> str:
    """A body's name in Redis. Kept for the last bodies seen: a cached answer is the very same text each time (its
    masking is kept too), so it is digested once."""
    return hashlib.blake2b(body.encode(), digest_size=12).hexdigest()


def encode(fields: dict[str, Any], bodies: dict[str, str]) -> bytes:
    """`digest|json` for an entry whose response body goes apart (once per batch, into `bodies`), `|json` otherwise.
    orjson: bodies are JSON texts inside JSON, which the standard encoder escapes 3-5x slower, and every request
    pays for its entry."""
    body = fields["response_body"]
    if len(body) < APART:
        return b"|" + orjson.dumps(fields)
    name = digest(body)
    bodies[name] = body
    fields["response_body"] = ""  # `fields` is this entry's own copy (`shown`)
    return name.encode() + b"|" + orjson.dumps(fields)


def decode(text: str, bodies: dict[str, str | None]) -> dict[str, Any]:
    """An entry as read: `id|digest|json`, its body put back (`""` if no longer kept: it went with its entries)."""
    number, _, rest = text.partition("|")
    name, data = ("", rest) if rest.startswith("{") else rest.split("|", 1)  # `id|json`: written before digests
    entry = {**json.loads(data), "id": int(number)}
    if name:
        entry["response_body"] = bodies.get(name) or ""
    return entry
