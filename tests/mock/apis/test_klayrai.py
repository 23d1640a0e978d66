"""docs/decisions.md against the running mock (real socket), statement by statement."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mockserver.contract.spec import default_contract
from tests.conftest import BIG_KEY, DOC_KEY, OTHER_KEY, REVOKED_KEY, STARTER_KEY

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def accounts(http: httpx.Client, key: str | None = DOC_KEY, **params: Any) -> httpx.Response:
    headers = {"x-api-key": key} if key else {}
    headers.update(params.pop("headers", {}))
    return http.get("/v1/accounts", params=params, headers=headers)


def error_of(response: httpx.Response, status: int, code: str, param: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert error.get("param") == param
    assert error["request_id"] == response.headers["x-request-id"]
    return error


def walk(http: httpx.Client, key: str, page_size: int, **params: Any) -> tuple[list[dict], int]:
    seen, page = [], 1
    while True:
        body = accounts(http, key, page=page, page_size=page_size, **params).json()
        seen += body["data"]
        if not body["pagination"]["hasMore"]:
            return seen, body["pagination"]["total"]
        page += 1


# ---- auth and plan


def test_doc_key_returns_the_seed_page_field_for_field(http: httpx.Client) -> None:
    response = accounts(http)
    assert response.status_code == 200
    assert response.json() == default_contract().examples("listAccounts")["seed_page"].value


def test_missing_key_is_401_missing(http: httpx.Client) -> None:
    assert "Missing API key" in error_of(accounts(http, None), 401, "authentication_error")["message"]


@pytest.mark.parametrize("key", ["klyr_live_unknown000", "not-a-key", REVOKED_KEY, ""])
def test_unknown_malformed_or_revoked_key_is_401_invalid(http: httpx.Client, key: str) -> None:
    error = error_of(accounts(http, key or None, headers={"x-api-key": key}), 401, "authentication_error")
    assert ("Missing" if not key else "Invalid API key") in error["message"]


def test_lower_plan_is_403(http: httpx.Client) -> None:
    assert "Agency plan" in error_of(accounts(http, STARTER_KEY), 403, "plan_insufficient")["message"]


def test_tenant_isolation(http: httpx.Client) -> None:
    mine, _ = walk(http, BIG_KEY, 100)
    theirs, _ = walk(http, OTHER_KEY, 100)
    doc, _ = walk(http, DOC_KEY, 100)
    mine_ids = {a["metaAccountId"] for a in mine}
    assert mine_ids and not mine_ids & {a["metaAccountId"] for a in theirs}
    assert not mine_ids & {a["metaAccountId"] for a in doc}


# ---- version header


def test_version_header_echo(http: httpx.Client) -> None:
    assert accounts(http).headers["klayrai-version"] == "2026-03-01"
    assert accounts(http, headers={"klayrai-version": "2026-03-01"}).headers["klayrai-version"] == "2026-03-01"


@pytest.mark.parametrize("version", ["2025-01-01", "yesterday", "2026-3-1"])
def test_unsupported_version_is_400_and_echoes_latest(http: httpx.Client, version: str) -> None:
    response = accounts(http, headers={"klayrai-version": version})
    error_of(response, 400, "invalid_request", "klayrai-version")
    assert response.headers["klayrai-version"] == "2026-03-01"


# ---- query parameters


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"status": "paused"}, "status"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "2147483648"}, "page"),
        ({"page": "1e3"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": ""}, "page_size"),
        ({"pageSize": "10"}, "pageSize"),
    ],
)
def test_bad_parameter_is_400_naming_it(http: httpx.Client, params: dict[str, str], param: str) -> None:
    error = error_of(accounts(http, **params), 400, "invalid_request", param)
    assert param in error["message"]


def test_first_fault_in_contract_order_wins(http: httpx.Client) -> None:
    bad = {"page": "0", "page_size": "0", "status": "x", "bogus": "1"}
    error_of(
        accounts(http, headers={"klayrai-version": "1999-01-01"}, **bad), 400, "invalid_request", "klayrai-version"
    )
    error_of(accounts(http, **bad), 400, "invalid_request", "status")
    error_of(accounts(http, **{**bad, "status": "active"}), 400, "invalid_request", "page")
    error_of(accounts(http, **{**bad, "status": "active", "page": "1"}), 400, "invalid_request", "page_size")
    error_of(accounts(http, status="active", page="1", page_size="1", bogus="1"), 400, "invalid_request", "bogus")


def test_repeated_parameter_is_400(http: httpx.Client) -> None:
    response = http.get("/v1/accounts?page=1&page=2", headers={"x-api-key": DOC_KEY})
    error_of(response, 400, "invalid_request", "page")


def test_check_order_auth_then_plan_then_parameters(http: httpx.Client) -> None:
    error_of(accounts(http, "klyr_live_nope", page="0"), 401, "authentication_error")
    error_of(accounts(http, None, pageSize="1"), 401, "authentication_error")
    error_of(accounts(http, STARTER_KEY, page="0"), 403, "plan_insufficient")


# ---- pagination and filter


def test_defaults_are_echoed(http: httpx.Client) -> None:
    assert accounts(http, BIG_KEY).json()["pagination"] | {"total": 0} == {
        "total": 0,
        "page": 1,
        "page_size": 20,
        "hasMore": True,
    }


@pytest.mark.parametrize("page_size", [1, 7, 20, 100])
def test_walk_covers_total_once_in_order(http: httpx.Client, page_size: int) -> None:
    seen, total = walk(http, BIG_KEY, page_size)
    ids = [a["id"] for a in seen]
    assert total > 100
    assert len(ids) == total == len(set(ids))
    assert [(a["connectedAt"], a["id"]) for a in seen] == sorted((a["connectedAt"], a["id"]) for a in seen)


def test_page_math(http: httpx.Client) -> None:
    total = accounts(http, BIG_KEY).json()["pagination"]["total"]
    for page, page_size in [(1, 10), (2, 50), (3, 50), (total, 1), (total + 1, 1)]:
        body = accounts(http, BIG_KEY, page=page, page_size=page_size).json()
        expected = min(page_size, max(0, total - (page - 1) * page_size))
        assert len(body["data"]) == expected
        assert body["pagination"] == {
            "total": total,
            "page": page,
            "page_size": page_size,
            "hasMore": page * page_size < total,
        }


def test_page_past_the_end_is_empty_200(http: httpx.Client) -> None:
    body = accounts(http, page=9999).json()
    assert body == {"data": [], "pagination": {"total": 2, "page": 9999, "page_size": 20, "hasMore": False}}


def test_order_is_stable_across_calls(http: httpx.Client) -> None:
    assert accounts(http, BIG_KEY, page_size=100).json() == accounts(http, BIG_KEY, page_size=100).json()


@pytest.mark.parametrize("status", ["active", "disconnected", "token_expired"])
def test_status_filter(http: httpx.Client, status: str) -> None:
    seen, total = walk(http, BIG_KEY, 50, status=status)
    assert total > 0
    assert len(seen) == total
    assert {a["connectionStatus"] for a in seen} == {status}


def test_filter_totals_add_up(http: httpx.Client) -> None:
    total = accounts(http, BIG_KEY).json()["pagination"]["total"]
    parts = [
        accounts(http, BIG_KEY, status=s).json()["pagination"]["total"]
        for s in ("active", "disconnected", "token_expired")
    ]
    assert sum(parts) == total


def test_account_invariants_hold_for_every_account(http: httpx.Client) -> None:
    seen, _ = walk(http, BIG_KEY, 100)
    assert {a["status"] for a in seen} == {"active", "disabled", "closed"}
    for account in seen:
        assert re.fullmatch(r"act_[0-9]+", account["id"]) and re.fullmatch(r"act_[0-9]+", account["metaAccountId"])
        assert account["activeCampaignCount"] <= account["campaignCount"]
        assert account["status"] != "closed" or account["activeCampaignCount"] == 0
        assert account["lastSyncedAt"] >= account["connectedAt"]
        assert round(account["totalSpendLast30d"], 2) == account["totalSpendLast30d"] >= 0
        assert re.fullmatch(r"user_[A-Za-z0-9]+", account["connectedBy"])


# ---- envelope, headers, unknown paths and methods


@pytest.mark.parametrize(
    ("method", "path", "key", "status"),
    [
        ("GET", "/v1/accounts", DOC_KEY, 200),
        ("GET", "/v1/accounts", None, 401),
        ("GET", "/v1/accounts?page=0", DOC_KEY, 400),
        ("GET", "/v1/accounts", STARTER_KEY, 403),
        ("GET", "/v1/nothing", DOC_KEY, 404),
        ("GET", "/v1", None, 404),
        ("DELETE", "/v1/accounts", DOC_KEY, 405),
    ],
)
def test_headers_on_every_response(http: httpx.Client, method: str, path: str, key: str | None, status: int) -> None:
    response = http.request(method, path, headers={"x-api-key": key} if key else {})
    assert response.status_code == status
    assert re.fullmatch(r"req_[0-9a-f]+", response.headers["x-request-id"])
    assert response.headers["klayrai-version"] == "2026-03-01"
    limit, remaining, reset = (int(response.headers[h]) for h in RATE_HEADERS)
    assert 0 <= remaining <= limit and reset > 1_700_000_000
    if status >= 400:
        assert response.json()["error"]["request_id"] == response.headers["x-request-id"]
        assert "problem" not in response.headers["content-type"]


def test_unknown_path_is_404_not_found(http: httpx.Client) -> None:
    error_of(http.get("/v1/acounts", headers={"x-api-key": DOC_KEY}), 404, "not_found")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_wrong_method_is_405_with_allow(http: httpx.Client, method: str) -> None:
    response = http.request(method, "/v1/accounts", headers={"x-api-key": DOC_KEY})
    error_of(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD"


def test_head_gets_the_headers_of_get(http: httpx.Client) -> None:
    response = http.head("/v1/accounts", headers={"x-api-key": DOC_KEY})
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["content-length"]) == len(accounts(http).content)


def test_request_ids_are_unique(http: httpx.Client) -> None:
    ids = {accounts(http).headers["x-request-id"] for _ in range(20)}
    assert len(ids) == 20
