"""Calls of one script made in the same turn of the loop, sent to Redis as one call (`scripts.together`).

Every request that reaches the rate limiter runs the COUNT script: with 32 clients, a batch carries a dozen of them.
Sent one by one, each costs its own command to pack, its own script call in Redis and its own answer to read;
together they cost one of each, and each caller still gets its own answer (or the call's error).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from mockserver.state import scripts

Command = tuple[Any, ...]
Call = tuple[list[str], list[Any], "asyncio.Future[Any]"]


class Together:
    """The calls gathered since the last batch, by script."""

    def __init__(self, command: Callable[[str, list[str], list[Any]], Command], learn: Callable[[str, Any], None]):
        self.command, self.learn = command, learn
        self.calls: dict[str, list[Call]] = {}

    def add(self, source: str, keys: list[str], args: list[Any], future: asyncio.Future[Any]) -> None:
        self.calls.setdefault(source, []).append((keys, args, future))

    def take(self) -> list[tuple[Command, asyncio.Future[Any]]]:
        """One command per script (the script itself for a lone call), each with the future of its answer."""
        taken = []
        for source, calls in self.calls.items():
            if len(calls) == 1:
                keys, args, future = calls[0]
                taken.append((self.command(source, keys, args), future))
                continue
            wrapper = scripts.together(source)
            keys = [key for call in calls for key in call[0]]
            sizes = [size for call in calls for size in (len(call[0]), len(call[1]))]
            args = [len(calls), *sizes, *(arg for call in calls for arg in call[1])]
            answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            answer.add_done_callback(self.share(wrapper, [call[2] for call in calls]))
            taken.append((self.command(wrapper, keys, args), answer))
        self.calls = {}
        return taken

    def share(self, wrapper: str, futures: list[asyncio.Future[Any]]) -> Callable[[asyncio.Future[Any]], None]:
        """Hand each caller its answer: 0 from Redis is a call read past its deadline (None, as alone)."""

        def shared(answer: asyncio.Future[Any]) -> None:
            error = answer.exception() if not answer.cancelled() else asyncio.CancelledError()
            self.learn(wrapper, error if error is not None else answer.result())
            results = [error] * len(futures) if error is not None else answer.result()
            for future, result in zip(futures, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(None if result == 0 else result)

        return shared
