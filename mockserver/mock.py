"""The running mock's parts, built once from the settings: contract, world, both APIs, and the state backend
(scenarios, limits, journal, relations) in memory or shared in Redis."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import gc
import random
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from mockserver.apis.api import Api
from mockserver.apis.graph.edge import GraphApi
from mockserver.apis.klayrai.accounts import KlayraiApi
from mockserver.contract.operations import Operations, api_of
from mockserver.contract.spec import Contract
from mockserver.contract.validation import ResponseValidator
from mockserver.controls.coverage import Coverage
from mockserver.controls.scenario_file import load_file
from mockserver.gc_pause import gc_paused
from mockserver.settings import Settings
from mockserver.state.interface import StateBackend
from mockserver.state.journal import Journal
from mockserver.state.limits import RateLimiter
from mockserver.state.memory import MemoryState
from mockserver.state.scenarios import Scenarios
from mockserver.state.store import Store
from mockserver.world.load import load_world

T = TypeVar("T")


@dataclass
class Mock:
    settings: Settings
    contract: Contract
    operations: Operations
    store: Store
    apis: tuple[Api, ...]
    scenarios: Scenarios
    limiter: RateLimiter
    journal: Journal
    state: StateBackend
    validator: ResponseValidator | None
    coverage: Coverage

    @classmethod
    def build(cls, settings: Settings) -> Mock:
        contract = Contract.load(settings.spec)
        specs, policies = load_file(contract, settings.scenarios) if settings.scenarios else ([], [])
        with gc_paused():
            world = load_world(contract, seed=settings.seed, size=settings.size, path=settings.world)
            state: StateBackend
            if settings.state:
                from mockserver.state.redis import RedisState  # the client library loads only when asked for

                state = run_apart(RedisState.connect(settings, contract, world, specs, policies))
            else:
                state = MemoryState.build(settings, contract, world, specs, policies)
        # Request ids and trace ids follow the seed in one process; replicas sharing a state need ids of their own.
        traces = settings.seed if settings.state is None else random.SystemRandom().getrandbits(64)
        gc.freeze()  # the world lives as long as the server: later collections need not walk it
        operations = Operations.compile(contract)
        validator = ResponseValidator(operations) if settings.validate_responses else None
        return cls(
            settings=settings,
            contract=contract,
            operations=operations,
            store=state.store,
            apis=(KlayraiApi(operations, state.store, traces), GraphApi(operations, state, traces)),
            scenarios=state.scenarios,
            limiter=state.limiter,
            journal=state.journal,
            state=state,
            validator=validator,
            coverage=Coverage(contract),
        )

    def api_for(self, path: str) -> Api:
        """The API whose envelope answers a path, routed or not."""
        return self.by_name[api_of(path)]

    @functools.cached_property
    def by_name(self) -> dict[str, Api]:
        return {api.name: api for api in self.apis}

    async def reset(self) -> None:
        """Back to the start: the seeded world, the file's scenarios and limits, empty counters and journal."""
        await self.state.reset()


def run_apart(start: Coroutine[Any, Any, T]) -> T:
    """Run a start-up coroutine to its end in an event loop of its own (in a thread of its own when this one
    already runs a loop, as under an async test)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(start)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, start).result()
