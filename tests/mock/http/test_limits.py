"""Every limit of `mockserver.http.limits` answered in the API's own envelope (a client error naming the limit, never
code 1 / transient, never a 500), on a real socket: deep JSON wherever a client sends it, over-long URLs and
queries, over-large and slow bodies; and memory that stays bounded under thousands of distinct long queries."""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from mockserver.contract.spec import default_contract
from mockserver.http.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_QUERY_BYTES, Limits
from mockserver.settings import Settings
from mockserver.testing import RunningMock, serve_in_thread, serve_process
from tests.conftest import DOC_KEY, EDGE, TOKEN

DEEP = "[" * 1000 + "]" * 1000
JSON_BODY = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def running() -> Iterator[RunningMock]:
    with serve_in_thread(Settings(body_timeout=1.0)) as mock:
        yield mock


def graph_limit(response: httpx.Response, words: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == 100 and not error.get("is_transient") and words in error["message"], error


def klayrai_limit(response: httpx.Response, words: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and words in error["message"], error


@pytest.mark.parametrize(
    ("path", "options"),
    [
        (EDGE, {"content": '{"adaccount_id": ' + DEEP + "}", "headers": JSON_BODY}),
        (EDGE, {"data": {"adaccount_id": "act_1", "permitted_tasks": DEEP}}),
        ("/v25.0/", {"data": {"batch": DEEP}}),
        ("/v25.0", {"content": '{"batch": ' + DEEP + "}", "headers": JSON_BODY}),
        ("/v25.0/", {"data": {"batch": '[{"method": "GET", "relative_url": "x", "body": ' + DEEP + "}]"}}),
    ],
    ids=["json-body", "form-tasks", "batch-form", "batch-json", "batch-item-body"],
)
def test_deep_json_is_a_graph_client_error_naming_the_limit(running: RunningMock, path: str, options: dict) -> None:
    with running.client() as client:
        graph_limit(client.post(path, params={"access_token": TOKEN}, **options), f"limit is {MAX_JSON_DEPTH} levels")


def test_deep_or_large_json_to_the_admin_api_is_its_json_error(running: RunningMock) -> None:
    refused = running.admin.post("/scenarios", content=DEEP, headers=JSON_BODY)
    assert refused.status_code == 400 and f"{MAX_JSON_DEPTH} levels" in refused.json()["error"]["message"]
    large = '{"x": "' + "y" * MAX_BODY_BYTES + '"}'
    refused = running.admin.post("/rate-limits", content=large, headers=JSON_BODY)
    assert refused.status_code == 400 and "body is too large" in refused.json()["error"]["message"]


def test_over_long_queries_and_urls_get_each_apis_400(running: RunningMock) -> None:
    long = "x" * (MAX_QUERY_BYTES + 1)
    with running.client() as client:
        klayrai_limit(client.get("/v1/accounts", params={"q": long}, headers={"x-api-key": DOC_KEY}), "query string")
        graph_limit(client.get(EDGE, params={"access_token": TOKEN, "search_query": long}), "query string")
        path = f"/v25.0/{'1' * 12_000}/client_ad_accounts"
        graph_limit(client.get(path, params={"access_token": TOKEN, "search_query": "y" * 5000}), "URL is too long")


def test_an_over_large_body_with_a_valid_token_says_the_body_is_too_large(running: RunningMock) -> None:
    big = "y" * (MAX_BODY_BYTES + 1)
    with running.client() as client:
        for params, data in (({"access_token": TOKEN}, {}), ({}, {"access_token": TOKEN})):
            answer = client.post(EDGE, params=params, data={**data, "adaccount_id": "act_1", "x": big})
            graph_limit(answer, f"body is too large: the limit is {MAX_BODY_BYTES} bytes")


def test_a_body_that_arrives_too_slowly_is_answered_at_the_deadline(running: RunningMock) -> None:
    url = urlsplit(running.base_url)
    head = (
        f"POST {EDGE}?access_token={TOKEN} HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nadaccount_id="
    )
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(head.encode())  # and never the rest
        answer = sock.recv(65536)
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 400 ") and b"did not arrive within 1 s" in answer
    assert waited < 5


def rss_of_group(pid: int) -> int:
    """Resident bytes of a process and its children (the server and its workers), from /proc."""
    total = 0
    for candidate in [pid, *(int(c) for t in Path(f"/proc/{pid}/task").iterdir()
                             for c in (t / "children").read_text().split())]:  # fmt: skip
        status = Path(f"/proc/{candidate}/status")
        if status.exists():
            line = next((x for x in status.read_text().splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
            total += int(line.split()[1]) * 1024
    return total


def test_thousands_of_distinct_long_queries_keep_memory_bounded() -> None:
    """Each query as long as allowed and different: without bounds in bytes, the caches keyed on the query (the
    answers, the parsed queries) would keep every one."""
    command = [sys.executable, "-m", "mockserver", "serve", "--no-validate-responses", "--rate-limit", "off"]
    with serve_process(command, env={**os.environ}) as (mock, process), mock.client() as client:
        padding = MAX_QUERY_BYTES - 200

        def burst(start: int, count: int) -> None:
            for number in range(start, start + count):
                text = f"{number:08d}" + "q" * padding
                answer = client.get(EDGE, params={"access_token": TOKEN, "search_query": text, "limit": 1})
                assert answer.status_code == 200, answer.text[:300]

        burst(0, 500)  # warm: every cache and allocator pool in use once
        before = rss_of_group(process.pid)
        burst(500, 6000)
        grown = rss_of_group(process.pid) - before
    assert grown < 60 << 20, f"grew by {grown >> 20} MiB"


def test_the_contract_documents_the_default_limits() -> None:
    documented = default_contract().spec["x-limits"]
    limits = Limits()
    assert (documented["url_bytes"], documented["query_bytes"]) == (limits.url_bytes, limits.query_bytes)
    assert (documented["body_bytes"], documented["json_depth"]) == (limits.body_bytes, limits.json_depth)
