"""Field expansion on `business`, Graph's own headers on every kind of answer, and `suppress_http_code`, on a real
socket (docs/decisions.md)."""

from __future__ import annotations

import json

import httpx
import pytest

from mockserver.testing import RunningMock
from tests.conftest import AGENCY, DOC_KEY, EDGE, NOPERM_TOKEN, TOKEN

GRAPH_HEADERS = {
    "content-type": "application/json; charset=UTF-8",
    "cache-control": "private, no-cache, no-store, must-revalidate",
    "pragma": "no-cache",
    "expires": "Sat, 01 Jan 2000 00:00:00 GMT",
    "access-control-allow-origin": "*",
}


def nodes(http: httpx.Client, fields: str) -> list[dict]:
    response = http.get(EDGE, params={"access_token": TOKEN, "fields": fields, "limit": 3})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


@pytest.mark.parametrize(
    ("fields", "business_keys"),
    [
        ("name,business{id,name}", ["id", "name"]),
        ("name,business{name}", ["id", "name"]),
        ("name,business{id}", ["id"]),
        ("name, business { name , id }", ["id", "name"]),
        ("name,business", ["id", "name"]),
    ],
)
def test_field_expansion_on_business(http: httpx.Client, fields: str, business_keys: list[str]) -> None:
    found = nodes(http, fields)
    assert found and all(list(node) == ["id", "name", "business"] for node in found)
    assert all(list(node["business"]) == business_keys for node in found)
    full = {"id": "1234567890", "name": "Acme Corporation"}
    assert found[0]["business"] == {key: full[key] for key in business_keys}


def test_expansions_are_cached_apart(http: httpx.Client) -> None:
    """The read cache keys on the raw query: `business{id}` after `business` is not served the wider answer."""
    assert nodes(http, "business")[0]["business"] == {"id": "1234567890", "name": "Acme Corporation"}
    assert nodes(http, "business{id}")[0]["business"] == {"id": "1234567890"}
    assert nodes(http, "business")[0]["business"] == {"id": "1234567890", "name": "Acme Corporation"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("name{id}", "Field expansion ({...}) is only supported on business, not on 'name'"),
        ("business{id", "Syntax error in fields: unbalanced braces in 'business{id'"),
        ("business}", "Syntax error in fields: unbalanced braces in 'business}'"),
        ("business{id}x", "Syntax error in fields: unexpected text after '}' in 'business{id}x'"),
        ("business.limit(5)", "Field modifiers such as .limit() are not supported in fields: 'business.limit(5)'"),
        ("business{id{name}}", "Nested expansion and modifiers are not supported in fields"),
        ("business{colour}", "Tried accessing nonexisting field (colour) on node type (Business)"),
        ("colour,business{id}", "Tried accessing nonexisting field (colour) on node type (AdAccount)"),
    ],
)
def test_field_expansion_errors(http: httpx.Client, fields: str, message: str) -> None:
    response = http.get(EDGE, params={"access_token": TOKEN, "fields": fields})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == 100 and error["message"].startswith("(#100) ") and message in error["message"]


def assert_graph_headers(response: httpx.Response, past_auth: bool) -> None:
    assert {name: response.headers.get(name) for name in GRAPH_HEADERS} == GRAPH_HEADERS
    assert response.headers["facebook-api-version"].startswith("v")
    assert response.headers["x-fb-trace-id"] and response.headers["x-fb-request-id"]
    assert response.headers["x-fb-request-id"] != response.headers["x-fb-trace-id"]
    if not past_auth:
        assert "x-app-usage" not in response.headers
        return
    usage = json.loads(response.headers["x-app-usage"])
    assert list(usage) == ["call_count", "total_cputime", "total_time"]
    assert all(isinstance(value, int) and 0 <= value <= 100 for value in usage.values())
    if "x-business-use-case-usage" in response.headers:
        business = json.loads(response.headers["x-business-use-case-usage"])
        (entry,) = next(iter(business.values()))
        assert {k: entry[k] for k in usage} == usage


@pytest.mark.parametrize(
    ("method", "path", "params", "status", "past_auth"),
    [
        ("GET", EDGE, {"access_token": TOKEN}, 200, True),
        ("POST", EDGE, {"access_token": TOKEN, "adaccount_id": "act_123456789"}, 400, True),
        ("GET", EDGE, {}, 400, False),
        ("GET", EDGE, {"access_token": "EAAGnot0a0real0token"}, 400, False),
        ("GET", EDGE, {"access_token": NOPERM_TOKEN}, 403, True),
        ("GET", EDGE, {"access_token": TOKEN, "limit": 0}, 400, True),
        ("GET", "/v25.0/9999999999/client_ad_accounts", {"access_token": TOKEN}, 400, True),
        ("GET", f"/v25.0/{AGENCY}/nothing", {"access_token": TOKEN}, 400, False),
        ("DELETE", EDGE, {"access_token": TOKEN}, 400, False),
        ("POST", "/v25.0/", {"access_token": TOKEN, "batch": "[]"}, 400, True),
        ("POST", "/v25.0/", {"access_token": TOKEN, "batch": '[{"method":"GET","relative_url":"me"}]'}, 200, True),
    ],
)
def test_graph_headers_on_every_answer(
    http: httpx.Client, method: str, path: str, params: dict, status: int, past_auth: bool
) -> None:
    response = http.request(method, path, params=params)
    assert response.status_code == status, response.text
    assert_graph_headers(response, past_auth)


def test_graph_headers_on_a_forced_error_and_a_server_error(http: httpx.Client) -> None:
    for prefer, status in (("example=graph_80004", 400), ("code=500", 500)):
        response = http.get(EDGE, params={"access_token": TOKEN}, headers={"Prefer": prefer})
        assert response.status_code == status
        assert_graph_headers(response, True)
        assert json.loads(response.headers["x-app-usage"])["call_count"] == (100 if status == 400 else 0)


def test_usage_headers_agree_under_a_rate_limit(http: httpx.Client, mockserver: RunningMock) -> None:
    mockserver.limit(4, 60, operation="listClientAdAccounts")
    calls = [http.get(EDGE, params={"access_token": TOKEN}) for _ in range(5)]
    percents = [json.loads(r.headers["x-app-usage"])["call_count"] for r in calls]
    assert percents == [25, 50, 75, 100, 100]
    for response in calls:
        assert_graph_headers(response, True)


def test_klayrai_keeps_plain_json_and_no_graph_headers(http: httpx.Client) -> None:
    for key in (DOC_KEY, None):
        response = http.get("/v1/accounts", headers={"x-api-key": key} if key else {})
        assert response.headers["content-type"] == "application/json"
        assert "x-app-usage" not in response.headers and "pragma" not in response.headers


@pytest.mark.parametrize(
    ("method", "params", "data"),
    [
        ("GET", {"access_token": "EAAGnot0a0real0token", "suppress_http_code": "1"}, None),
        ("GET", {"access_token": NOPERM_TOKEN, "suppress_http_code": "1"}, None),
        ("GET", {"access_token": TOKEN, "limit": 0, "suppress_http_code": "1"}, None),
        ("POST", {"access_token": TOKEN}, {"adaccount_id": "act_123456789", "suppress_http_code": "1"}),
    ],
)
def test_suppress_http_code_answers_200_with_the_same_body(
    http: httpx.Client, method: str, params: dict, data: dict | None
) -> None:
    suppressed = http.request(method, EDGE, params=params, data=data)
    plain_params = {k: v for k, v in params.items() if k != "suppress_http_code"}
    plain_data = {k: v for k, v in (data or {}).items() if k != "suppress_http_code"} or None
    plain = http.request(method, EDGE, params=plain_params, data=plain_data)
    assert plain.status_code != 200 and suppressed.status_code == 200
    strip = {"fbtrace_id"}
    assert {k: v for k, v in suppressed.json()["error"].items() if k not in strip} == {
        k: v for k, v in plain.json()["error"].items() if k not in strip
    }
    assert suppressed.headers["www-authenticate"] == plain.headers["www-authenticate"]


def test_suppress_http_code_on_a_success_and_a_batch(http: httpx.Client) -> None:
    ok = http.get(EDGE, params={"access_token": TOKEN, "suppress_http_code": "1", "limit": 1})
    assert ok.status_code == 200 and ok.json()["data"]
    batch = http.post("/v25.0/", params={"suppress_http_code": "1"}, data={"batch": "[]"})
    assert batch.status_code == 200 and batch.json()["error"]["code"] == 104
