"""The mechanisms that make the mock fast, tested for correctness only (speed is measured in benchmarks/, never in a
test). What the mock keeps between requests (routes, rendered answers) never changes an answer: each test asks the
same thing twice with one input changed, and the second answer must follow that input (real socket). And answering
leaves no garbage cycles behind, which would make the cyclic collector run under load."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Hashable

import httpx
import pytest

from mockserver.http.app import MockApp
from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.state.cache import WorldCache
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import DOC_KEY, EDGE, OTHER_KEY, OTHER_TOKEN, TOKEN

GRAPH_QUERY = {"fields": "name", "limit": "2", "summary": "true", "access_token": TOKEN}


def test_a_repeated_read_gets_its_own_ids_and_counts_against_the_limit(http: httpx.Client) -> None:
    first, second = (http.get("/v1/accounts", headers={"x-api-key": DOC_KEY}) for _ in range(2))
    assert first.content == second.content
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    remaining = [int(r.headers["x-ratelimit-remaining"]) for r in (first, second)]
    assert remaining[1] == remaining[0] - 1
    graph = [http.get(EDGE, params=GRAPH_QUERY) for _ in range(2)]
    assert graph[0].content == graph[1].content
    assert graph[0].headers["x-fb-trace-id"] != graph[1].headers["x-fb-trace-id"]


def test_header_parameters_are_part_of_what_is_kept(http: httpx.Client) -> None:
    def ask(version: str | None) -> httpx.Response:
        headers = {"x-api-key": DOC_KEY} | ({"klayrai-version": version} if version else {})
        return http.get("/v1/accounts", headers=headers)

    assert ask("2026-03-01").status_code == 200
    assert ask("1999-01-01").json()["error"]["code"] == "invalid_request"
    assert ask(None).status_code == 200


def test_credentials_are_part_of_what_is_kept(http: httpx.Client) -> None:
    mine, theirs = (http.get("/v1/accounts", headers={"x-api-key": key}).json() for key in (DOC_KEY, OTHER_KEY))
    assert {a["metaAccountId"] for a in mine["data"]}.isdisjoint(a["metaAccountId"] for a in theirs["data"])
    assert http.get(EDGE, params=GRAPH_QUERY).status_code == 200
    other = http.get(EDGE, params=GRAPH_QUERY | {"access_token": OTHER_TOKEN})
    assert other.status_code == 400 and other.json()["error"]["code"] == 100


def test_paging_links_follow_the_host_of_each_request(http: httpx.Client) -> None:
    links = [
        http.get(EDGE, params=GRAPH_QUERY, headers={"host": host}).json()["paging"]["next"]
        for host in ("first.example:8080", "second.example:9090")
    ]
    assert links[0].startswith("http://first.example:8080/v25.0/")
    assert links[1].startswith("http://second.example:9090/v25.0/")


def test_a_write_changes_the_next_read(http: httpx.Client) -> None:
    query = GRAPH_QUERY | {"limit": "500"}
    before = http.get(EDGE, params=query).json()
    account = POST_OUTCOMES["confirmed"]
    created = http.post(EDGE, params={"access_token": TOKEN}, data={"adaccount_id": account})
    assert created.json() == {"access_status": "CONFIRMED"}
    after = http.get(EDGE, params=query).json()
    assert after["summary"]["total_count"] == before["summary"]["total_count"] + 1
    assert after["data"][-1]["id"] == account


def test_a_preference_after_a_kept_read_still_chooses_the_answer(http: httpx.Client) -> None:
    headers = {"x-api-key": DOC_KEY}
    assert http.get("/v1/accounts", headers=headers).status_code == 200
    forced = http.get("/v1/accounts", headers=headers | {"prefer": "code=429"})
    assert forced.status_code == 429
    assert http.get("/v1/accounts", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [("/v1/accounts", "POST", 405), ("/v1/accounts", "HEAD", 200), (EDGE, "DELETE", 400), (EDGE, "HEAD", 200)],
)
def test_routes_are_kept_per_method(http: httpx.Client, path: str, method: str, status: int) -> None:
    auth = {"headers": {"x-api-key": DOC_KEY}} if path.startswith("/v1") else {"params": {"access_token": TOKEN}}
    assert http.request("GET", path, **auth).status_code == 200  # type: ignore[arg-type]
    assert http.request(method, path, **auth).status_code == status  # type: ignore[arg-type]


def test_unrouted_paths_stay_unrouted(http: httpx.Client) -> None:
    for _ in range(2):
        assert http.get("/v1/accounts/", headers={"x-api-key": DOC_KEY}).status_code == 404
        assert http.get("/v1/nothing", headers={"x-api-key": DOC_KEY}).status_code == 404


def test_world_cache_follows_the_world_and_its_budget() -> None:
    store = Mock.build(Settings()).store
    cache = WorldCache(store, budget=30)
    made: list[Hashable] = []

    def make(key: Hashable) -> str:
        made.append(key)
        return f"value of {key}"  # 10 bytes

    assert cache.get("a", lambda: make("a")) == cache.get("a", lambda: make("a")) == "value of a"
    assert made == ["a"]
    store.reset()  # any change of the world
    cache.get("a", lambda: make("a"))
    assert made == ["a", "a"]
    for key in "bcdefg":
        cache.get(key, lambda key=key: make(key))
        assert cache.used == sum(map(len, cache.values.values())) <= 30
    assert cache.values  # the newest value is kept


def test_world_cache_keeps_nothing_when_making_fails() -> None:
    cache = WorldCache(Mock.build(Settings()).store, budget=100)

    def fail() -> str:
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get("k", fail)
    assert "k" not in cache.values
    assert cache.get("k", lambda: "made") == "made"


@pytest.mark.parametrize(
    ("path", "query", "headers", "status"),
    [
        ("/v1/accounts", b"", {"x-api-key": DOC_KEY}, 200),
        ("/v1/accounts", b"", {}, 401),
        ("/v1/accounts", b"page=0", {"x-api-key": DOC_KEY}, 400),
        ("/v1/nothing", b"", {"x-api-key": DOC_KEY}, 404),
        ("/v1/accounts", b"", {"x-api-key": DOC_KEY, "prefer": "code=500"}, 500),
        (EDGE, b"fields=name&summary=true&access_token=" + TOKEN.encode(), {}, 200),
        (EDGE, b"fields=zzz&access_token=" + TOKEN.encode(), {}, 400),
        (EDGE, b"", {}, 400),
    ],
)
def test_answers_leave_no_garbage_cycles(
    app: MockApp, path: str, query: bytes, headers: dict[str, str], status: int
) -> None:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "", "server": ("127.0.0.1", 80),
        "headers": [(b"host", b"mock.test"), *((k.encode(), v.encode()) for k, v in headers.items())],
    }  # fmt: skip
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    async def answer(times: int) -> None:
        for _ in range(times):
            sent.clear()
            await app(dict(scope), receive, send)

    asyncio.run(answer(5))  # caches filled, lazy imports done
    assert sent[0]["status"] == status
    gc.collect()
    gc.disable()
    try:
        asyncio.run(answer(50))
        assert gc.collect() < 50, "each answer leaves a reference cycle for the garbage collector"
    finally:
        gc.enable()
