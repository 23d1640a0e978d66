"""A process on the shared state applies each change once: the change it made itself, and the same change read back
from the log by a catch-up under way at that moment (on a real `redis-server`)."""

from __future__ import annotations

import asyncio

from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.state.redis import RedisState
from mockserver.world.credentials import AGENCY_BUSINESS_ID, POST_OUTCOMES
from mockserver.world.records import Relation
from tests.redis_server import RedisServer


def test_a_change_made_here_and_read_back_by_a_catch_up_counts_once(redis_server: RedisServer) -> None:
    state = Mock.build(Settings(state=redis_server.url())).state
    assert isinstance(state, RedisState)
    business, account = AGENCY_BUSINESS_ID, POST_OUTCOMES["confirmed"]

    async def race() -> tuple[int, int]:
        await state.reset()
        before = len(state.store.client_accounts(business).relations)
        made: list[Relation] = []

        async def keep(relation: Relation) -> Relation:
            made.append(relation)
            return relation

        state.made = keep  # type: ignore[method-assign]  # the change made in Redis, not yet applied here
        await state.relate(Relation(business, account, ("MANAGE",), "CONFIRMED", 0), "")
        del state.made
        (relation,) = made
        # a concurrent request's catch-up reads the log (the change in it) while the maker applies its own change
        await asyncio.gather(
            state.catch_up(state.epoch, state.gen, relation.seq - state.store.first_change + 1), state.made(relation)
        )
        return before, len(state.store.client_accounts(business).relations)

    before, after = asyncio.run(race())
    assert after == before + 1 and state.applied == 1
