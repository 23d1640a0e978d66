"""The journal keeps whole exchanges (secrets masked, bodies capped, bounded by entries and bytes), and serves them
as HAR 1.2 at `/__mock/journal.har`, on a real socket."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from mockserver.settings import Settings
from mockserver.testing import RunningMock, serve_in_thread
from tests.conftest import AGENCY, BIG_KEY, DOC_KEY, EDGE, TOKEN
from tests.har_schema import valid_har
from tests.redis_server import RedisServer

KEY = {"x-api-key": DOC_KEY}


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningMock]:
    with serve_in_thread(Settings()) as running:
        yield running


@pytest.fixture
def client(mock: RunningMock) -> Iterator[httpx.Client]:
    mock.reset()
    with mock.client() as http:
        yield http


def entries(mock: RunningMock, **params: Any) -> list[dict[str, Any]]:
    return mock.admin.get("/journal", params=params).json()["entries"]


def test_an_entry_is_the_whole_exchange(mock: RunningMock, client: httpx.Client) -> None:
    answer = client.get("/v1/accounts", params={"page_size": 2}, headers=KEY)
    (entry,) = entries(mock)
    assert entry["url"] == f"{mock.base_url}/v1/accounts?page_size=2"
    assert ["x-api-key", DOC_KEY[:6] + "..." + DOC_KEY[-4:]] in entry["request_headers"]
    assert json.loads(entry["response_body"]) == answer.json()
    assert entry["body_sizes"] == [0, len(answer.content)]
    sent = dict(entry["response_headers"])
    assert sent["content-type"] == answer.headers["content-type"]
    assert sent["x-request-id"] == answer.headers["x-request-id"]
    assert entry["truncated"] == []
    assert entry["timings"]["wait"] >= 0 and entry["timings"]["receive"] >= 0
    assert entry["shaped_by"] == {"kind": "behaviour", "name": "listAccounts"}


def test_a_head_entry_says_the_length_a_get_would_have_and_keeps_no_body(
    mock: RunningMock, client: httpx.Client
) -> None:
    head = client.head("/v1/accounts", headers=KEY)
    (entry,) = entries(mock)
    assert dict(entry["response_headers"])["content-length"] == head.headers["content-length"] != "0"
    assert entry["response_body"] == "" and entry["body_sizes"] == [0, 0]


def test_no_secret_leaves_in_the_journal_or_the_har(mock: RunningMock, client: httpx.Client) -> None:
    """A token in the query, in a form body, in a JSON body, behind `Bearer`, in a batch item; a key in a header."""
    item = {"method": "GET", "relative_url": f"{AGENCY}/client_ad_accounts?access_token={TOKEN}&limit=1"}
    client.get(EDGE, params={"access_token": TOKEN, "appsecret_proof": "f" * 64})
    client.post(EDGE, data={"access_token": TOKEN, "adaccount_id": "act_000000000001"})
    client.post("/v25.0/", json={"access_token": TOKEN, "batch": [item]})
    client.post("/v25.0/", data={"batch": json.dumps([item])}, headers={"Authorization": f"Bearer {TOKEN}"})
    client.get("/v1/accounts", headers=KEY)
    journal = mock.admin.get("/journal").text
    har = mock.admin.get("/journal.har").text
    for text in (journal, har):
        assert TOKEN not in text and DOC_KEY not in text and "f" * 64 not in text
        assert TOKEN[:6] + "..." + TOKEN[-4:] in text  # masked, still recognisable
    assert len(json.loads(journal)["entries"]) == 7  # the two batch items are journaled too


def test_what_shaped_the_answer(mock: RunningMock, client: httpx.Client) -> None:
    client.get("/v1/accounts", headers={**KEY, "Prefer": "code=500"})
    mock.arm({"name": "flaky", "operation": "listAccounts", "respond": {"code": 500}})
    client.get("/v1/accounts", headers=KEY)
    assert [e["shaped_by"] for e in reversed(entries(mock))] == [
        {"kind": "prefer", "name": "code=500"},
        {"kind": "scenario", "name": "flaky"},
    ]
    mock.reset()
    mock.limit(1, 60, operation="listAccounts")
    client.get("/v1/accounts", headers=KEY)
    client.get("/v1/accounts", headers=KEY)
    assert [e["shaped_by"] for e in reversed(entries(mock))] == [
        {"kind": "behaviour", "name": "listAccounts"},
        {"kind": "rate_limit", "name": "1 requests"},
    ]


def test_the_journal_as_har(mock: RunningMock, client: httpx.Client) -> None:
    client.get("/v1/accounts", headers=KEY)
    client.get("/v1/accounts")
    client.post(EDGE, params={"access_token": TOKEN}, data={"adaccount_id": "act_000000000001"})
    response = mock.admin.get("/journal.har")
    assert response.headers["content-type"] == "application/json"
    log = valid_har(response.json())["log"]
    assert [(e["request"]["method"], e["response"]["status"]) for e in log["entries"]] == [
        ("GET", 200),
        ("GET", 401),
        ("POST", 400),
    ]  # oldest first, as a browser writes them
    post = log["entries"][2]
    assert post["request"]["postData"] == {
        "mimeType": "application/x-www-form-urlencoded",
        "text": "adaccount_id=act_000000000001",
    }
    assert {"name": "access_token", "value": TOKEN[:6] + "..." + TOKEN[-4:]} in post["request"]["queryString"]
    first = log["entries"][0]
    assert first["response"]["statusText"] == "OK" and first["response"]["content"]["mimeType"] == "application/json"
    assert json.loads(first["response"]["content"]["text"])["data"]
    assert first["time"] == pytest.approx(first["timings"]["wait"] + first["timings"]["receive"], abs=0.01)


def test_har_filters(mock: RunningMock, client: httpx.Client) -> None:
    client.get("/v1/accounts")
    time.sleep(0.05)
    since = time.time()
    client.get("/v1/accounts", headers=KEY)
    client.get(EDGE, params={"access_token": TOKEN})

    def statuses(**params: Any) -> list[int]:
        log = valid_har(mock.admin.get("/journal.har", params=params).json())["log"]
        return [entry["response"]["status"] for entry in log["entries"]]

    assert statuses() == [401, 200, 200]
    assert statuses(status=401) == [401]
    assert statuses(operation="listAccounts") == [401, 200]
    assert statuses(since=since) == [200, 200]
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(since)) + f".{int(since % 1 * 1000):03d}Z"
    assert statuses(since=iso) == [200, 200]
    assert statuses(limit=1) == [200]  # the newest
    refused = mock.admin.get("/journal.har", params={"since": "yesterday"})
    assert refused.status_code == 400 and "since" in refused.json()["error"]["message"]


def test_bodies_are_capped_with_a_mark() -> None:
    with serve_in_thread(Settings(journal_body_bytes=100)) as mock, mock.client() as http:
        answer = http.get("/v1/accounts", headers=KEY)
        (entry,) = entries(mock)
        har = valid_har(mock.admin.get("/journal.har").json())["log"]["entries"][0]
    assert len(answer.content) > 100
    assert entry["response_body"] == answer.text[:100] and entry["truncated"] == ["response"]
    assert entry["body_sizes"][1] == len(answer.content)
    assert har["response"]["content"]["size"] == len(answer.content) and har["_truncated"] == ["response"]
    assert "cut" in har["response"]["content"]["comment"]


@pytest.mark.parametrize("bound", [{"journal_size": 3}, {"journal_bytes": 5000}])
def test_the_journal_is_bounded_by_entries_and_bytes(bound: dict[str, int]) -> None:
    with serve_in_thread(Settings(**bound)) as mock, mock.client() as http:
        for page in range(1, 11):
            http.get("/v1/accounts", headers=KEY, params={"page_size": 5, "page": page})
        body = mock.admin.get("/journal", params={"limit": 100}).json()
    kept = body["entries"]
    assert body["total"] == 10 and body["dropped"] == 10 - len(kept) > 0
    assert sum(entry["size"] for entry in kept) <= bound.get("journal_bytes", 1 << 30)
    assert [e["url"].rpartition("=")[2] for e in kept] == [str(p) for p in range(10, 10 - len(kept), -1)]


def test_a_shared_journal_keeps_each_large_body_once_and_lets_go_of_unused_ones(redis_server: RedisServer) -> None:
    """On Redis a large body is kept once by digest: bodies no kept entry names go (at most twice --journal-size)."""
    big = {"x-api-key": BIG_KEY}
    url = redis_server.url(db=7)  # a database of its own: one namespace in it
    with serve_in_thread(Settings(state=url, journal_size=2)) as mock, mock.client() as http:
        mock.reset()
        for page in range(1, 9):  # eight distinct bodies, then the same one three times
            http.get("/v1/accounts", headers=big, params={"page": page, "page_size": 2})
        same = [http.get("/v1/accounts", headers=big, params={"page_size": 3}) for _ in range(3)]
        body = mock.admin.get("/journal").json()
    stored = redis.Redis.from_url(url)
    (key,) = stored.keys("mock:*:bodies")
    assert stored.hlen(key) <= 4 and len(same[-1].text) > 256
    assert [entry["response_body"] for entry in body["entries"]] == [same[-1].text, same[-2].text]
    assert body["total"] == 11 and body["dropped"] == 9


def test_journal_size_zero_keeps_nothing_and_counts() -> None:
    with serve_in_thread(Settings(journal_size=0)) as mock, mock.client() as http:
        http.get("/v1/accounts", headers=KEY)
        body = mock.admin.get("/journal").json()
        har = valid_har(mock.admin.get("/journal.har").json())
    assert body["entries"] == [] and body["total"] == 1 and body["dropped"] == 0
    assert har["log"]["entries"] == []


def test_a_shared_journal_keeps_whole_exchanges(redis_server: RedisServer) -> None:
    """On Redis the entry travels as JSON: the same fields come back, masked, and the HAR renders them."""
    with serve_in_thread(Settings(state=redis_server.url(), journal_size=2)) as mock, mock.client() as http:
        mock.reset()
        http.get("/v1/accounts", headers=KEY)
        http.get(EDGE, params={"access_token": TOKEN, "limit": 1})
        answer = http.get("/v1/accounts", headers={**KEY, "Prefer": "code=429"})
        body = mock.admin.get("/journal").json()
        har = mock.admin.get("/journal.har")
    newest = body["entries"][0]
    assert newest["shaped_by"] == {"kind": "prefer", "name": "code=429"}
    assert json.loads(newest["response_body"]) == answer.json()
    assert body["dropped"] == body["total"] - 2 > 0
    assert TOKEN not in har.text and DOC_KEY not in har.text
    assert [e["response"]["status"] for e in valid_har(har.json())["log"]["entries"]] == [200, 429]
