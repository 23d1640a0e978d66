"""Same seed, same mock: one scripted sequence of requests gets the same answers (status and body, per-request ids
aside) from the in-memory store, from one process on a real Redis, and from two workers on Redis. Every drawn thing
(a rule's probability and latency, a generated body) is a function of the seed, the rule and its hit number, never
of the store or the process that drew it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.settings import Settings
from mockserver.testing import JSON, serve_in_thread
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import AGENCY, DOC_KEY, EDGE, TOKEN
from tests.mock.test_cli import serving
from tests.redis_server import RedisServer, redis_running

SEED = 7
KEY = {"x-api-key": DOC_KEY}
BEARER = {"Authorization": f"Bearer {TOKEN}"}
PER_REQUEST = {"request_id", "fbtrace_id"}  # ids each process makes its own
PATIENT = 10  # --state-timeout here: a loaded machine must not turn a slow answer into a 500 (tests/test_state_faults)
Step = tuple[str, str, dict[str, Any]]

RULES = [
    {"name": "coin", "operation": "listAccounts", "respond": {"code": 500}, "probability": 0.5},
    {"name": "flaky", "operation": "listClientAdAccounts", "respond": {"example": "graph_1"}, "probability": 0.6,
     "after": 2, "times": 3},
    {"name": "generated", "operation": "listAccounts", "when": {"query": {"limit": "3"}},
     "respond": {"dynamic": True, "code": 200}, "probability": 0.7, "latency": [0, 5]},
]  # fmt: skip


def script() -> list[Step]:
    """The sequence: rules drawn on, generated bodies, writes with conflicts and approvals, limits, resets."""
    steps: list[Step] = [("POST", "/__mock/reset", {"json": {}})]
    steps += [("POST", "/__mock/scenarios", {"json": rule}) for rule in RULES]
    steps += [("GET", "/v1/accounts", {"headers": KEY}) for _ in range(12)]
    steps += [("GET", "/v1/accounts", {"headers": KEY, "params": {"limit": 3}}) for _ in range(6)]
    steps += [("GET", EDGE, {"headers": BEARER, "params": {"fields": "name", "limit": 2}}) for _ in range(10)]
    steps += [("GET", "/v1/accounts", {"headers": {**KEY, "Prefer": "dynamic=true"}}) for _ in range(2)]
    steps += [("GET", EDGE, {"headers": {**BEARER, "Prefer": "dynamic=true, code=400"}})]
    steps += [("GET", "/__mock/scenarios", {})]
    for account in [*POST_OUTCOMES.values(), POST_OUTCOMES["confirmed"], "act_999999999999"]:
        steps.append(("POST", EDGE, {"headers": BEARER, "data": {"adaccount_id": account}}))
    steps += [("GET", "/__mock/pending", {})]
    approve = {"business_id": AGENCY, "adaccount_id": POST_OUTCOMES["pending"]}
    steps += [("POST", "/__mock/pending/approve", {"json": approve})] * 2
    steps += [("GET", EDGE, {"headers": BEARER, "params": {"summary": "true", "limit": 500}})]
    steps += [("DELETE", "/__mock/scenarios", {"headers": JSON})]
    steps += [("POST", "/__mock/rate-limits", {"json": {"limit": 3, "window": 1_000_000_000, "credential": DOC_KEY}})]
    steps += [("GET", "/v1/accounts", {"headers": KEY}) for _ in range(5)]
    steps += [("POST", "/__mock/reset", {"json": {}}), ("GET", "/v1/accounts", {"headers": KEY})]
    steps += [("GET", EDGE, {"headers": BEARER, "params": {"summary": "true", "limit": 500}})]
    steps += [("POST", EDGE, {"headers": BEARER, "data": {"adaccount_id": POST_OUTCOMES["confirmed"]}})]
    return steps


def answers(base: str) -> list[tuple[int, Any]]:
    with httpx.Client(base_url=base, timeout=30) as client:
        return [normal(client.request(method, path, **kwargs)) for method, path, kwargs in script()]


def normal(response: httpx.Response) -> tuple[int, Any]:
    return response.status_code, strip(response.json()) if response.content else None


def strip(value: Any) -> Any:
    """The body without per-request ids, the server's address or seconds-to-wait (the runs are not at the same
    second)."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in PER_REQUEST}
    if isinstance(value, list):
        return [strip(v) for v in value]
    if isinstance(value, str):
        value = re.sub(r"http://127\.0\.0\.1:\d+", "BASE", value)  # paging links name the server
        return re.sub(r"\d+", "N", value) if "Retry after" in value else value
    return value


@pytest.fixture(scope="module")
def in_memory() -> list[tuple[int, Any]]:
    with serve_in_thread(Settings(seed=SEED)) as mock:
        return answers(mock.base_url)


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_running(tmp_path_factory.mktemp("redis-parity")) as server:
        yield server


def test_the_script_draws_on_every_kind_of_state(in_memory: list[tuple[int, Any]]) -> None:
    """The sequence exercises what it claims: coin flips both ways, three 500s from `flaky`, generated bodies,
    every POST outcome, an approval once, a budget exhausted."""
    statuses = [status for status, _ in in_memory]
    assert statuses[4:16].count(500) not in (0, 12)
    graph = in_memory[22:32]
    assert sum(1 for status, body in graph if status == 500 and body["error"]["is_transient"]) == 3
    assert statuses.count(429) == 2
    posts = [body for _, body in in_memory[37:44]]
    assert {"access_status": "CONFIRMED"} in posts and {"access_status": "PENDING"} in posts


def test_one_process_on_redis_answers_as_memory(in_memory: list[tuple[int, Any]], redis: RedisServer) -> None:
    with serve_in_thread(Settings(seed=SEED, state=redis.url(), state_timeout=PATIENT)) as mock:
        on_redis = answers(mock.base_url)
    assert on_redis == in_memory


def test_two_workers_on_redis_answer_a_sequential_client_as_memory(
    in_memory: list[tuple[int, Any]], redis: RedisServer, tmp_path: Path
) -> None:
    flags = ["--workers", "2", "--seed", str(SEED), "--state", redis.url(1), "--state-timeout", str(PATIENT)]
    with serving(*flags) as (base, _):
        on_workers = answers(base)
    assert on_workers == in_memory
