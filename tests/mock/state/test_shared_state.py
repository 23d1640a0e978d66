"""Several mock processes sharing one Redis behave as one mock (docs/decisions.md): what replicas behind a load
balancer are. Each test drives two real `mockserver serve --state redis://...` processes on their own ports, so it
knows which process answered, over a real Redis (`redis-server`, skipped with a reason when absent)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from mockserver.testing import JSON, free_port
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import AGENCY, DOC_KEY, EDGE, TOKEN
from tests.mock.test_cli import MOCKSERVER, serving
from tests.redis_server import RedisServer, redis_running

KEY = {"x-api-key": DOC_KEY}
CONFIRMED = POST_OUTCOMES["confirmed"]


@pytest.fixture(scope="module")
def redis_for_replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_running(tmp_path_factory.mktemp("redis-replicas")) as server:
        yield server


@pytest.fixture(scope="module")
def pair(redis_for_replicas: RedisServer) -> Iterator[tuple[str, str]]:
    with ExitStack() as stack:
        bases = [stack.enter_context(serving("--state", redis_for_replicas.url()))[0] for _ in range(2)]
        yield bases[0], bases[1]


@pytest.fixture
def replicas(pair: tuple[str, str]) -> tuple[str, str]:
    """Two processes on one Redis, reset (through the first) before the test."""
    assert httpx.post(f"{pair[0]}/__mock/reset", json={}).status_code == 200
    return pair


def total(base: str) -> int:
    body = httpx.get(f"{base}{EDGE}", params={"access_token": TOKEN, "summary": "true", "limit": 1}).json()
    return int(body["summary"]["total_count"])


def post(base: str, account: str = CONFIRMED) -> httpx.Response:
    return httpx.post(f"{base}{EDGE}", params={"access_token": TOKEN}, data={"adaccount_id": account})


def test_a_post_on_one_process_is_in_the_next_get_on_the_other(replicas: tuple[str, str]) -> None:
    a, b = replicas
    before = total(b)  # also puts b's read in its cache: the POST on a must empty it
    assert post(a).json() == {"access_status": "CONFIRMED"}
    assert total(b) == before + 1
    listed = httpx.get(f"{b}{EDGE}", params={"access_token": TOKEN, "limit": 500}).json()["data"]
    assert listed[-1]["id"] == CONFIRMED
    assert post(b).json()["error"]["code"] == 3989


def test_a_pending_request_made_on_one_is_approved_on_the_other(replicas: tuple[str, str]) -> None:
    a, b = replicas
    assert post(a, POST_OUTCOMES["pending"]).json() == {"access_status": "PENDING"}
    pending = httpx.get(f"{b}/__mock/pending").json()
    assert [(p["business_id"], p["ad_account_id"]) for p in pending] == [(AGENCY, POST_OUTCOMES["pending"])]
    before = total(a)
    approve = {"business_id": AGENCY, "adaccount_id": POST_OUTCOMES["pending"]}
    assert httpx.post(f"{b}/__mock/pending/approve", json=approve).status_code == 200
    assert httpx.post(f"{a}/__mock/pending/approve", json=approve).status_code == 404  # already approved
    assert total(a) == before + 1 and httpx.get(f"{a}/__mock/pending").json() == []


def test_twenty_concurrent_duplicate_posts_across_processes_make_one_relation(replicas: tuple[str, str]) -> None:
    a, b = replicas
    before = total(a)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            return await asyncio.gather(*(
                client.post(f"{base}{EDGE}", params={"access_token": TOKEN}, data={"adaccount_id": CONFIRMED})
                for base in [a, b] * 10
            ))  # fmt: skip

    responses = asyncio.run(burst())
    assert sorted(r.status_code for r in responses) == [200] + [400] * 19
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 400} == {3989}
    assert total(a) == total(b) == before + 1


def test_a_budget_of_ten_lets_exactly_ten_through_across_processes(replicas: tuple[str, str]) -> None:
    a, b = replicas
    # A window of ~30 years, aligned to the epoch like every window: the test cannot straddle two.
    limit = {"limit": 10, "window": 1_000_000_000, "credential": DOC_KEY}
    assert httpx.post(f"{a}/__mock/rate-limits", json=limit).status_code == 201

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            return await asyncio.gather(*(client.get(f"{base}/v1/accounts", headers=KEY) for base in [a, b] * 12))

    statuses = [r.status_code for r in asyncio.run(burst())]
    assert statuses.count(200) == 10 and statuses.count(429) == 14
    assert httpx.get(f"{b}/v1/accounts", headers=KEY).headers["X-RateLimit-Remaining"] == "0"


def test_a_scenario_with_times_3_fires_three_times_in_total(replicas: tuple[str, str]) -> None:
    a, b = replicas
    rule = {"name": "flaky", "operation": "listAccounts", "respond": {"code": 500}, "after": 1, "times": 3}
    assert httpx.post(f"{a}/__mock/scenarios", json=rule).status_code == 201
    statuses = [httpx.get(f"{base}/v1/accounts", headers=KEY).status_code for base in [b, a] * 5]
    assert statuses == [200, 500, 500, 500] + [200] * 6
    shown = httpx.get(f"{b}/__mock/scenarios").json()["scenarios"]
    assert [(r["name"], r["seen"], r["fired"]) for r in shown] == [("flaky", 10, 3)]
    assert httpx.post(f"{b}/__mock/scenarios", json={**rule, "after": 0}).status_code == 201  # counters restart

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            return await asyncio.gather(*(client.get(f"{base}/v1/accounts", headers=KEY) for base in [a, b] * 10))

    assert sorted(r.status_code for r in asyncio.run(burst())) == [200] * 17 + [500] * 3


def test_the_journal_holds_every_request_of_every_process(replicas: tuple[str, str]) -> None:
    a, b = replicas
    assert httpx.delete(f"{a}/__mock/journal", headers=JSON).status_code == 204
    traces = [httpx.get(f"{base}/v1/accounts", headers=KEY).headers["x-request-id"] for base in [a, b] * 4]
    assert len(set(traces)) == 8  # each process makes its own ids
    for base in (a, b):
        entries = httpx.get(f"{base}/__mock/journal", params={"operation": "listAccounts"}).json()["entries"]
        assert [e["trace"] for e in entries] == traces[::-1]
        assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
        assert all(e["violations"] == [] and e["credential"] == "klyr_l...i789" for e in entries)


def test_a_reset_on_one_process_resets_all(replicas: tuple[str, str]) -> None:
    a, b = replicas
    before = total(a)
    post(a)
    httpx.post(f"{a}/__mock/scenarios", json={"name": "down", "respond": {"code": 500}})
    assert httpx.get(f"{b}/v1/accounts", headers=KEY).status_code == 500
    assert httpx.post(f"{b}/__mock/reset", json={}).status_code == 200
    assert httpx.get(f"{a}/v1/accounts", headers=KEY).status_code == 200
    assert total(a) == before and post(a).json() == {"access_status": "CONFIRMED"}
    assert httpx.get(f"{a}/__mock/scenarios").json()["scenarios"] == []


def test_a_restarted_process_keeps_the_shared_state(replicas: tuple[str, str], redis_for_replicas: RedisServer) -> None:
    a, _ = replicas
    before = total(a)
    post(a)
    httpx.post(f"{a}/__mock/scenarios", json={"name": "slow", "operation": "listAccounts", "latency": 1})
    with serving("--state", redis_for_replicas.url()) as (restarted, _):
        assert total(restarted) == before + 1
        assert post(restarted).json()["error"]["code"] == 3989
        assert [r["name"] for r in httpx.get(f"{restarted}/__mock/scenarios").json()["scenarios"]] == ["slow"]


def test_redis_lost_while_serving_is_a_transient_5xx_and_the_mock_recovers(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        with serving("--state", redis.url()) as (a, _), serving("--state", redis.url()) as (b, _):
            before = total(a)
            redis.stop()
            klayrai = httpx.get(f"{a}/v1/accounts", headers=KEY)
            assert klayrai.status_code == 500 and klayrai.json()["error"]["code"] == "api_error"
            graph = post(b)
            assert graph.status_code == 500
            assert graph.json()["error"]["code"] == 1 and graph.json()["error"]["is_transient"] is True
            assert graph.headers["www-authenticate"].startswith('OAuth "Facebook Platform" "unknown_error"')
            assert httpx.get(f"{a}/__mock/health").status_code == 503
            redis.start()  # the same port, empty (no persistence): both processes fall back to the seeded world
            assert httpx.get(f"{a}/v1/accounts", headers=KEY).status_code == 200
            assert total(b) == total(a) == before  # the POST during the outage did not happen
            assert post(b).json() == {"access_status": "CONFIRMED"}
            assert total(a) == before + 1
            redis.stop()
            redis.start()  # while both were idle: their pooled connections are stale, and they reconnect
            assert httpx.get(f"{a}/v1/accounts", headers=KEY).status_code == 200
            assert total(b) == before
    finally:
        redis.stop()


def test_redis_unreachable_at_start_exits_2_saying_so() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # a port nothing listens on
    result = subprocess.run([*MOCKSERVER, "serve", "--port", "0", "--state", url], capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert "the shared state at redis://127.0.0.1:" in result.stderr and "unavailable" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--workers", "2"], {}, "--workers 2 needs a shared state"),
        ([], {"MOCK_WORKERS": "3"}, "--workers 3 needs a shared state"),
        (["--state", "memcached://x"], {}, "--state must be redis://host:port/db"),
    ],
)
def test_settings_that_cannot_work_exit_2_in_one_line(args: list[str], env: dict[str, str], message: str) -> None:
    result = subprocess.run([*MOCKSERVER, "serve", "--port", "0", *args], capture_output=True, text=True, timeout=60,
                            env={**os.environ, **env})  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and message in result.stderr


def test_a_rediss_url_is_shown_as_rediss_with_its_password_hidden() -> None:
    url = f"rediss://:hunter2-redis-password@127.0.0.1:{free_port()}/0"  # TLS, a password, nothing listening
    result = subprocess.run([*MOCKSERVER, "serve", "--port", "0", "--state", url], capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert "the shared state at rediss://:***@127.0.0.1:" in result.stderr
    assert "hunter2" not in result.stderr


def test_every_change_on_one_process_is_in_force_on_the_other_at_its_next_request(replicas: tuple[str, str]) -> None:
    a, b = replicas
    rule = {"name": "down", "operation": "listAccounts", "respond": {"code": 500}}
    assert httpx.post(f"{a}/__mock/scenarios", json=rule).status_code == 201
    assert httpx.get(f"{b}/v1/accounts", headers=KEY).status_code == 500
    assert httpx.delete(f"{a}/__mock/scenarios/down", headers=JSON).status_code == 204
    assert httpx.get(f"{b}/v1/accounts", headers=KEY).status_code == 200
    limit = {"limit": 1, "window": 1_000_000_000, "credential": DOC_KEY}
    assert httpx.post(f"{a}/__mock/rate-limits", json=limit).status_code == 201
    assert [httpx.get(f"{b}/v1/accounts", headers=KEY).status_code for _ in range(2)] == [200, 429]
    assert httpx.delete(f"{a}/__mock/rate-limits", headers=JSON).status_code == 204
    assert httpx.get(f"{b}/v1/accounts", headers=KEY).status_code == 200
    assert httpx.post(f"{a}/__mock/rate-limits", json=limit).status_code == 201
    assert httpx.post(f"{a}/__mock/reset", json={}).status_code == 200
    assert [httpx.get(f"{b}/v1/accounts", headers=KEY).status_code for _ in range(2)] == [200, 200]
