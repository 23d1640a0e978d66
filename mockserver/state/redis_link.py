"""One process's way to Redis: redis-py's asyncio client, a few connections used as lanes, every call bounded by
`--state-timeout`, and the calls of concurrent requests sent together.

Calls wait for the next turn of the event loop and go out together as one pipeline on a free lane (a connection
that carries one batch at a time); while every lane is busy they gather, and the next free lane takes them all. Each
request still waits for one round trip, and the client's per-call cost is shared by the batch. A slow or frozen
Redis delays only the requests that need it, each for at most the timeout, after which it gets StateUnavailable
(its API's 5xx): the lane's connection is dropped (its answer may still come), and what it carried changes nothing
if Redis reads it late (the scripts' deadline, `mockserver.state.scripts`).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from typing import Any

import hiredis
import redis
import redis.asyncio
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError

from mockserver.contract.secrets import mask_url
from mockserver.state.interface import StateUnavailable
from mockserver.state.redis_together import Together

POOL_SIZE = 16  # connections per process: the lanes, the health check and a lane's replacement
LANES = 2  # batches in flight at once; calls made meanwhile wait for a lane and go out together
HEALTH_WAIT = 0.25  # seconds the health check waits for a PING at most
Command = tuple[Any, ...]
Rider = Callable[[], tuple[Command, Callable[[Any], None]] | None]  # a command to send along, and its outcome


class Link:
    """Redis for one process. Its client belongs to the event loop that uses it (the start-up check runs in a
    loop of its own, the server in another): it is made again when the loop changes."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout = url, timeout
        self.client = self.new_client()  # also checks the URL (ValueError)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queue: list[tuple[Command, asyncio.Future[Any]]] = []
        self.scheduled = False
        self.riders: list[Rider] = []  # what rides along with every batch (journal entries, answers counted)
        self.offset_ms = 0.0  # Redis's clock minus ours, for the scripts' deadlines
        self.sending: set[asyncio.Task[None]] = set()
        self.lanes: dict[int, AbstractConnection] = {}  # each lane carries one batch at a time
        self.idle = list(range(LANES))
        self.loaded: set[str] = set()  # scripts Redis is known to hold
        self.digests: dict[str, str] = {}
        self.together = Together(self.command, self.learn)  # calls of one script sent as one

    def new_client(self) -> redis.asyncio.Redis:
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            self.url, max_connections=POOL_SIZE, timeout=self.timeout, socket_timeout=self.timeout,
            socket_connect_timeout=self.timeout, decode_responses=True,
            # One immediate retry on a broken connection (a pooled one may predate a Redis restart); none on a
            # timeout, where the batch may have run and must not run twice.
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )  # fmt: skip
        return redis.asyncio.Redis(connection_pool=pool)

    def current(self) -> redis.asyncio.Redis:
        """The client of the running loop."""
        loop = asyncio.get_running_loop()
        if loop is not self.loop:
            if self.loop is not None:
                self.client = self.new_client()
                self.lanes, self.idle = {}, list(range(LANES))
            self.loop = loop
        return self.client

    @property
    def where(self) -> str:
        """The URL as given (rediss:// stays rediss://), its password masked."""
        return mask_url(self.url)

    def unavailable(self, why: object) -> StateUnavailable:
        return StateUnavailable(f"the shared state at {self.where} is unavailable: {why}")

    def deadline(self) -> int:
        """The time (Redis's clock, ms) after which a call made now must change nothing."""
        return int(time.time() * 1000 + self.offset_ms + self.timeout * 1000)

    async def connect(self) -> None:
        """Measure the clocks' offset: also the start-up check that Redis answers."""
        seconds, micros = await self.call("TIME")
        self.offset_ms = int(seconds) * 1000 + int(micros) / 1000 - time.time() * 1000

    async def call(self, *command: Any) -> Any:
        """One command's answer, sent with the others of this turn of the loop (or, every lane busy, of the turns
        until one is free: then bounded by a timer of its own)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.queue.append((command, future))
        return await self.answer(future)

    async def answer(self, future: asyncio.Future[Any]) -> Any:
        self.schedule()
        if self.idle:
            return await future
        timer = asyncio.get_running_loop().call_later(self.timeout, self.expire, future)
        try:
            return await future
        finally:
            timer.cancel()

    async def call_together(self, source: str, keys: list[str], args: list[Any]) -> Any:
        """A script's call sent as one with the other calls of the same script in this batch (`Together`)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.together.add(source, keys, args, future)
        return await self.answer(future)

    async def script(self, source: str, keys: list[str], args: list[Any], together: bool = False) -> Any:
        """A script's answer; StateUnavailable when Redis read it past its deadline (`args[0]`). `together`: sent
        as one call with the other calls of this script in the batch (independent calls, each its own answer)."""
        for _ in range(2):
            try:
                if together:
                    result = await self.call_together(source, keys, args)
                else:
                    result = await self.call(*self.command(source, keys, args))
            except NoScriptError as exc:
                self.learn(source, exc)  # Redis restarted: send it whole once
                continue
            self.learn(source, result)
            if result is None:
                raise self.unavailable(f"no answer within --state-timeout ({self.timeout:g} s)")
            return result
        raise self.unavailable("Redis forgot a script twice in a row")

    def command(self, source: str, keys: list[str], args: list[Any]) -> Command:
        """The script by its digest once Redis knows it (a few bytes instead of the whole text per call)."""
        if source in self.loaded:
            return ("EVALSHA", self.digests[source], len(keys), *keys, *args)
        self.digests.setdefault(source, hashlib.sha1(source.encode()).hexdigest())
        return ("EVAL", source, len(keys), *keys, *args)

    def learn(self, source: str, result: Any) -> None:
        """Whether Redis knows the script now, from a call's outcome."""
        if isinstance(result, NoScriptError):
            self.loaded.discard(source)
        elif not isinstance(result, Exception):
            self.loaded.add(source)

    def schedule(self) -> None:
        if not self.scheduled:
            self.scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Send what waits on a free lane; with none free, a lane that finishes sends it."""
        self.scheduled = False
        self.current()  # a new loop starts with every lane free: before one is taken
        if not self.idle:
            return
        batch, self.queue = self.queue + self.together.take(), []
        rides = [ride for ride in (rider() for rider in self.riders) if ride is not None]
        if not batch and not rides:
            return
        task = asyncio.get_running_loop().create_task(self.send(self.idle.pop(), batch, rides))
        self.sending.add(task)
        task.add_done_callback(self.sending.discard)

    async def send(
        self,
        lane: int,
        batch: list[tuple[Command, asyncio.Future[Any]]],
        rides: list[tuple[Command, Callable[[Any], None]]],
    ) -> None:
        commands = [command for command, _ in batch] + [command for command, _ in rides]
        try:
            results = await self.exchange(lane, commands)
        except (redis.RedisError, OSError, TimeoutError) as exc:
            error = self.unavailable(str(exc) or f"no answer within --state-timeout ({self.timeout:g} s)")
            results = [error] * len(commands)
        finally:
            self.idle.append(lane)
            self.schedule()  # what gathered meanwhile, calls or riders' entries
        for (_, done), result in zip(rides, results[len(batch) :], strict=True):
            done(result)
        for (_, future), result in zip(batch, results, strict=False):
            if future.done():
                continue
            if isinstance(result, StateUnavailable | NoScriptError):
                future.set_exception(result)
            elif isinstance(result, Exception):
                future.set_exception(self.unavailable(result))
            else:
                future.set_result(result)

    async def exchange(self, lane: int, commands: list[Command]) -> list[Any]:
        """Write the commands at once on the lane's connection and read their answers, within the timeout. A
        connection kept from before may have died with a Redis restart: it is replaced once, at once."""
        for attempt in range(2):
            reused = lane in self.lanes
            try:
                async with asyncio.timeout(self.timeout):
                    if not reused:
                        self.lanes[lane] = await self.current().connection_pool.get_connection()
                    return await self.pipelined(self.lanes[lane], commands)
            except (redis.RedisError, OSError, TimeoutError) as exc:
                await self.drop(lane)
                if attempt or not reused or not isinstance(exc, redis.ConnectionError):
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    async def pipelined(connection: AbstractConnection, commands: list[Command]) -> list[Any]:
        # hiredis packs in C what redis-py's asyncio connection packs in Python: a tenth of the cost, the same bytes
        await connection.send_packed_command(b"".join(map(hiredis.pack_command, commands)), check_health=False)
        results: list[Any] = []
        for _ in commands:
            try:
                results.append(await connection.read_response())
            except redis.ResponseError as exc:  # that command's error; the others stand
                results.append(exc)
        return results

    async def drop(self, lane: int) -> None:
        """Let go of a lane's connection: its answers, if any come, must never be read as another call's."""
        connection = self.lanes.pop(lane, None)
        if connection is not None:
            await connection.disconnect(nowait=True)
            await self.current().connection_pool.release(connection)

    def expire(self, future: asyncio.Future[Any]) -> None:
        if not future.done():
            future.set_exception(self.unavailable(f"no answer within --state-timeout ({self.timeout:g} s)"))

    async def drain(self) -> None:
        """Wait until what this process has to send (riders' included) is written."""
        self.schedule()
        await asyncio.sleep(0)
        await asyncio.gather(*self.sending)

    async def bounded(self, *command: Any, wait: float) -> Any:
        """A command sent apart from the batches and waited for at most `wait` seconds (the health check)."""
        try:
            async with asyncio.timeout(wait):
                return await self.current().execute_command(*command)
        except (redis.RedisError, OSError, TimeoutError) as exc:
            raise self.unavailable(str(exc) or f"no answer within {wait:g} s") from None

    async def close(self) -> None:
        """Let go of the running loop's connections."""
        await asyncio.gather(*self.sending)
        for lane in list(self.lanes):
            await self.drop(lane)
        await self.current().aclose(close_connection_pool=True)
