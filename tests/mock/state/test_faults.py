"""A frozen (SIGSTOP) or lost Redis stalls nothing: every request that needs the shared state gets its API's
documented 500 within `--state-timeout`, requests that do not need it are answered meanwhile, health says so at
once, a write given up on never happens later, and the mock recovers by itself when Redis is back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import DOC_KEY, EDGE, TOKEN
from tests.mock.test_cli import serving
from tests.redis_server import RedisServer

KEY = {"x-api-key": DOC_KEY}
TIMEOUT = 0.5  # --state-timeout of the mock under test
PATIENCE = TIMEOUT + 4  # a client's wait: enough for the timeout on a loaded machine, far short of a hang
CONFIRMED = POST_OUTCOMES["confirmed"]


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.thaw() if server.process is not None else None
        server.stop()


def total(base: str) -> int:
    params = {"access_token": TOKEN, "summary": "true", "limit": 1}
    return int(httpx.get(f"{base}{EDGE}", params=params, timeout=PATIENCE).json()["summary"]["total_count"])


def post(base: str) -> httpx.Response:
    return httpx.post(f"{base}{EDGE}", params={"access_token": TOKEN}, data={"adaccount_id": CONFIRMED},
                      timeout=PATIENCE)  # fmt: skip


def assert_documented_500s(base: str) -> None:
    klayrai = httpx.get(f"{base}/v1/accounts", headers=KEY, timeout=PATIENCE)
    assert klayrai.status_code == 500 and klayrai.json()["error"]["code"] == "api_error"
    graph = post(base)
    assert graph.status_code == 500
    assert graph.json()["error"]["code"] == 1 and graph.json()["error"]["is_transient"] is True


def test_a_frozen_redis_is_a_documented_500_and_nothing_waits_on_it(redis: RedisServer) -> None:
    with serving("--state", redis.url(), "--state-timeout", str(TIMEOUT)) as (base, _):
        before = total(base)
        redis.freeze()
        assert_documented_500s(base)  # the POST among them: given up on, so it must never happen
        health = httpx.get(f"{base}/__mock/health", timeout=PATIENCE)
        assert health.status_code == 503 and health.json()["status"] == "unavailable"
        assert "unavailable" in health.json()["state"]
        assert answered_first_while_one_waits(base) == "401"
        redis.thaw()
        assert httpx.get(f"{base}/v1/accounts", headers=KEY, timeout=PATIENCE).status_code == 200
        assert httpx.get(f"{base}/__mock/health", timeout=PATIENCE).json()["status"] == "ok"
        assert total(base) == before  # the POST Redis read late changed nothing
        assert post(base).json() == {"access_status": "CONFIRMED"}


def answered_first_while_one_waits(base: str) -> str:
    """Which answer comes first: a request that needs the frozen state, sent first, or a 401 that needs nothing."""

    async def race() -> str:
        async with httpx.AsyncClient(base_url=base, timeout=PATIENCE) as client:
            waiting = asyncio.create_task(client.get("/v1/accounts", headers=KEY))
            await asyncio.sleep(0.05)
            unauthenticated = await client.get("/v1/accounts")
            first = "401" if not waiting.done() and unauthenticated.status_code == 401 else "state"
            assert (await waiting).status_code == 500
            return first

    return asyncio.run(race())


def test_a_killed_redis_is_a_documented_500_and_a_restarted_one_is_used_again(redis: RedisServer) -> None:
    with serving("--state", redis.url(), "--state-timeout", str(TIMEOUT)) as (base, _):
        before = total(base)
        redis.stop()
        assert_documented_500s(base)
        assert httpx.get(f"{base}/__mock/health", timeout=PATIENCE).status_code == 503
        redis.start()  # empty, without persistence: the seeded world again
        assert httpx.get(f"{base}/v1/accounts", headers=KEY, timeout=PATIENCE).status_code == 200
        assert total(base) == before
        assert post(base).json() == {"access_status": "CONFIRMED"}
