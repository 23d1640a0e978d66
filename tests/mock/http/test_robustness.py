"""Bad input of every kind gets a clear error in the API's own envelope, never a 500 or a stack trace, and loses
no state. Real socket, raw requests where a client library would refuse to send them."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from mockserver.contract.spec import default_contract
from mockserver.testing import RunningMock, serve_in_thread, serve_process
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import DOC_KEY, EDGE, TOKEN

SEED_PAGE = default_contract().examples("listAccounts")["seed_page"].value
KEY = {"x-api-key": DOC_KEY}
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module", params=["in-thread-uvicorn", "serve-default-server"])
def mockserver_session(request: pytest.FixtureRequest) -> Iterator[RunningMock]:
    """Every test here twice: on the pytest fixture's server (uvicorn in a thread) and on a real `mockserver serve`
    process with its default server, the one users get."""
    if request.param == "in-thread-uvicorn":
        with serve_in_thread() as running:
            yield running
    else:
        with serve_process([sys.executable, "-m", "mockserver", "serve"]) as (running, _):
            yield running


def raw(mockserver: RunningMock, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are; return the status and the body."""
    url = urlsplit(mockserver.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def assert_clean(response: httpx.Response, envelope: str) -> None:
    assert response.status_code < 500, response.text
    assert b"Traceback" not in response.content
    expected = "application/json" if envelope == "klayrai" else "application/json; charset=UTF-8"
    assert response.headers["content-type"] == expected
    error = response.json()["error"]
    assert ("request_id" in error) if envelope == "klayrai" else ("fbtrace_id" in error)


@pytest.mark.parametrize(
    "query",
    [
        "%%%&=&&page=%FF",
        "page=%00",
        "status=active%0d%0aX-Evil:%201",
        "page=" + "9" * 400,
        "page_size=1e2",
        "status=" + "x" * 60_000,
        "&" * 5000,
        "page=1&" * 1500,
        "status[]=active",
        "page=%F0%9F%98%80",
    ],
)
def test_malformed_klayrai_queries(http: httpx.Client, query: str) -> None:
    response = http.get(f"/v1/accounts?{query}", headers=KEY)
    assert_clean(response, "klayrai") if response.status_code != 200 else None
    assert "x-evil" not in response.headers


@pytest.mark.parametrize(
    "query",
    [
        "fields=" + ",".join(["name"] * 10_000),
        "fields=%FF",
        "limit=" + "9" * 300,
        "after=%00%01",
        "before=" + "A" * 50_000,
        "search_query=" + "%E2%9C%93" * 5000,
        "fields=name%0d%0aX-Evil:%201",
        "summary=%00",
        "fields=,,,",
    ],
)
def test_malformed_graph_queries(http: httpx.Client, query: str) -> None:
    response = http.get(f"{EDGE}?{query}", headers=BEARER)
    if response.status_code != 200:
        assert_clean(response, "graph")
        assert "\n" not in response.headers["www-authenticate"]
    assert "x-evil" not in response.headers


def test_unknown_field_with_control_and_unicode_characters_stays_one_header(http: httpx.Client) -> None:
    response = http.get(f"{EDGE}?fields=n%C3%A4me%0d%0aSet-Cookie:%20a=b", headers=BEARER)
    assert_clean(response, "graph")
    assert "set-cookie" not in response.headers
    assert response.json()["error"]["message"].startswith("(#100) Tried accessing nonexisting field")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"\xff\xfe{"),
        ("application/json", b"null"),
        ("application/json", b'"act_1"'),
        ("application/json", b'{"adaccount_id": 123}'),
        ("application/json", b'{"permitted_tasks": "MANAGE"}'),
        ("application/json", b'{"adaccount_id": "act_1", "permitted_tasks": [1, null]}'),
        ("application/x-www-form-urlencoded", b"%%%=&&adaccount_id"),
        ("multipart/form-data; boundary=x", b"--x--"),
        ("application/xml", b"<a/>"),
        ("application/json", b"{" * 10_000),
        ("application/json", b"1" * 2_000_000),
    ],
)
def test_bad_post_bodies(http: httpx.Client, content_type: str, body: bytes) -> None:
    response = http.post(EDGE, headers={**BEARER, "content-type": content_type}, content=body)
    assert_clean(response, "graph")
    assert response.json()["error"]["code"] == 100


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/v1",
        "/v1/",
        "/v1/accounts/",
        "/v1/accounts/act_001",
        "/%0A",
        "/v25.0/%0A/client_ad_accounts",
        "/v25.0/1029384756/client_ad_accounts%0A",  # a final newline is in no route either (it was a 500)
        "/v1/accounts%0A",
        "/v25.0/1029384756/client_ad_accounts/extra",
        "/" + "a" * 20_000,
        "/v25.0//client_ad_accounts",
    ],
)
def test_unknown_paths(http: httpx.Client, path: str) -> None:
    response = http.get(path, headers={**KEY, **BEARER})
    assert_clean(response, "klayrai" if path.startswith("/v1") and not path.startswith("/v1.") else "graph")


def test_oversized_and_odd_headers(mockserver: RunningMock) -> None:
    big = b"x-api-key: " + DOC_KEY.encode() + b"\r\nx-filler: " + b"a" * 60_000 + b"\r\n"
    status, body = raw(
        mockserver, b"GET /v1/accounts HTTP/1.1\r\nHost: localhost\r\n" + big + b"Connection: close\r\n\r\n"
    )
    assert status < 500 and b"Traceback" not in body
    status, body = raw(
        mockserver,
        b"GET /v1/accounts HTTP/1.1\r\nHost: \xff\xfe\r\nx-api-key: \xe2\x9c\x93\r\nConnection: close\r\n\r\n",
    )
    assert status == 401 and b"authentication_error" in body
    status, body = raw(
        mockserver,
        b"GET /v1/accounts HTTP/1.1\r\nHost: localhost\r\nklayrai-version: \xff\r\n"
        b"x-api-key: " + DOC_KEY.encode() + b"\r\nConnection: close\r\n\r\n",
    )
    assert status == 400 and b"klayrai-version" in body


def test_garbage_request_line_is_refused_without_500(mockserver: RunningMock) -> None:
    status, body = raw(mockserver, b"BLAH /v1/accounts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status in (400, 405) and b"Traceback" not in body


def test_no_input_loses_or_corrupts_state(mockserver: RunningMock, http: httpx.Client) -> None:
    account = POST_OUTCOMES["confirmed"]
    assert http.post(EDGE, headers=BEARER, data={"adaccount_id": account}).status_code == 200
    before = http.get(EDGE, headers=BEARER, params={"limit": 500, "fields": "name,permitted_tasks"}).json()
    for body in (b"{", b"adaccount_id=%FF%FE", b"\x00" * 1000):
        http.post(EDGE, headers={**BEARER, "content-type": "application/json"}, content=body)
    for query in ("page=0", "page=%FF", "status=" + "x" * 10_000):
        http.get(f"/v1/accounts?{query}", headers=KEY)
    http.post(EDGE, headers=BEARER, data={"adaccount_id": account, "permitted_tasks": "NOPE"})
    assert http.get(EDGE, headers=BEARER, params={"limit": 500, "fields": "name,permitted_tasks"}).json() == before
    assert http.get("/v1/accounts", headers=KEY).json() == SEED_PAGE


def test_head_answers_the_headers_of_get_without_a_body(mockserver: RunningMock) -> None:
    status, body = raw(
        mockserver,
        b"HEAD /v1/accounts HTTP/1.1\r\nHost: localhost\r\nx-api-key: " + DOC_KEY.encode() + b"\r\n"
        b"Connection: close\r\n\r\n",
    )
    assert status == 200 and body == b""


def test_a_slow_client_is_served_and_does_not_hold_up_others(mockserver: RunningMock, http: httpx.Client) -> None:
    url = urlsplit(mockserver.base_url)
    request = b"GET /v1/accounts HTTP/1.1\r\nHost: localhost\r\nx-api-key: " + DOC_KEY.encode() + b"\r\n\r\n"
    with (
        socket.create_connection((url.hostname, url.port), timeout=10) as idle,
        socket.create_connection((url.hostname, url.port), timeout=10) as slow,
    ):
        idle.sendall(request[:10])  # a client that stops mid-request
        for start in range(0, len(request), 16):  # one that sends its request in pieces over ~0.3 s
            slow.sendall(request[start : start + 16])
            assert http.get("/v1/accounts", headers=KEY).json() == SEED_PAGE
            time.sleep(0.02)
        head = slow.recv(65536)
    assert head.startswith(b"HTTP/1.1 200 ")


def test_more_than_100_headers_get_an_http_answer(mockserver: RunningMock, request: pytest.FixtureRequest) -> None:
    """uvicorn hands them all to the mock; Granian's HTTP parser stops at 100 headers and answers 431 itself."""
    headers = b"".join(b"x-h%d: v\r\n" % n for n in range(150))
    status, body = raw(
        mockserver,
        b"GET /v1/accounts HTTP/1.1\r\nHost: localhost\r\nx-api-key: " + DOC_KEY.encode() + b"\r\n" + headers
        + b"Connection: close\r\n\r\n",
    )  # fmt: skip
    on_granian = request.node.callspec.params["mockserver_session"] == "serve-default-server"
    if on_granian:
        assert (status, body) == (431, b"")
    else:
        assert status == 200 and b'"data"' in body
