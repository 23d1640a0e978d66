"""Errors and latency on demand (Prefer, scenario rules, rate limits), the admin API and the journal."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.contract.spec import default_contract
from mockserver.errors import MockServerError
from mockserver.http.app import MockApp, create_app
from mockserver.settings import Settings
from mockserver.testing import JSON, RunningMock
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import AGENCY, BIG_KEY, DOC_KEY, EDGE, TOKEN

KEY = {"x-api-key": DOC_KEY}
BEARER = {"Authorization": f"Bearer {TOKEN}"}
CONTRACT = default_contract()


def prefer(http: httpx.Client, value: str, path: str = "/v1/accounts", headers: dict | None = None) -> httpx.Response:
    return http.get(path, headers={**(headers if headers is not None else KEY), "Prefer": value})


# ---- Prefer


@pytest.mark.parametrize("name", sorted(CONTRACT.examples("listAccounts")))
def test_every_klayrai_example_can_be_asked_for_by_name(http: httpx.Client, name: str) -> None:
    example = CONTRACT.examples("listAccounts")[name]
    response = prefer(http, f"example={name}")
    assert response.status_code == example.status
    body = response.json()
    if example.status >= 400:
        assert body["error"]["code"] == example.value["error"]["code"]
        assert body["error"]["request_id"] == response.headers["x-request-id"]
    else:
        assert body == example.value


@pytest.mark.parametrize("name", sorted(CONTRACT.examples("listClientAdAccounts")))
def test_every_graph_example_can_be_asked_for_by_name(http: httpx.Client, name: str) -> None:
    example = CONTRACT.examples("listClientAdAccounts")[name]
    response = prefer(http, f"example={name}", EDGE, BEARER)
    assert response.status_code == example.status
    if example.status >= 400:
        error = response.json()["error"]
        assert (error["code"], error.get("error_subcode")) == (
            example.value["error"]["code"],
            example.value["error"].get("error_subcode"),
        )
        assert error["fbtrace_id"] == response.headers["x-fb-trace-id"]
        assert response.headers["www-authenticate"].startswith('OAuth "Facebook Platform"')


def test_prefer_code_picks_the_documented_response(http: httpx.Client) -> None:
    response = prefer(http, "code=429")
    assert response.status_code == 429 and response.json()["error"]["code"] == "rate_limit_error"
    assert int(response.headers["retry-after"]) >= 1 and response.headers["x-ratelimit-remaining"] == "0"
    assert f"Retry after {response.headers['retry-after']} seconds" in response.json()["error"]["message"]


def test_forced_80004_carries_time_to_regain_access(http: httpx.Client) -> None:
    response = prefer(http, "example=graph_80004", EDGE, BEARER)
    error = response.json()["error"]
    assert (response.status_code, error["code"], error["error_subcode"], error["is_transient"]) == (
        400,
        80004,
        2446079,
        True,
    )
    usage = json.loads(response.headers["x-business-use-case-usage"])[AGENCY][0]
    assert usage["estimated_time_to_regain_access"] >= 1 and usage["call_count"] == 100


def test_prefer_on_post(http: httpx.Client) -> None:
    response = http.post(EDGE, headers={**BEARER, "Prefer": "example=pending"}, data={"adaccount_id": "act_1"})
    assert response.json() == {"access_status": "PENDING"}


def test_prefer_dynamic_is_schema_valid_and_seeded(http: httpx.Client) -> None:
    first = prefer(http, "dynamic=true")
    assert first.status_code == 200 and set(first.json()) == {"data", "pagination"}
    graph = prefer(http, "dynamic=true, code=400", EDGE, BEARER)
    assert graph.status_code == 400 and graph.json()["error"]["fbtrace_id"] == graph.headers["x-fb-trace-id"]


def test_prefer_delay(http: httpx.Client) -> None:
    started = time.monotonic()
    assert prefer(http, "delay=300").status_code == 200
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize(
    "value",
    [
        "code=418",
        "example=nope",
        "code=200, example=rate_limit_error",
        "dynamic=maybe",
        "delay=-5",
        "delay=999999",
        "colour=blue",
        "code",
    ],
)
def test_undocumented_preference_is_400_in_each_envelope(http: httpx.Client, value: str) -> None:
    klayrai = prefer(http, value)
    assert klayrai.status_code == 400
    assert klayrai.json()["error"]["code"] == "invalid_request" and klayrai.json()["error"]["param"] == "Prefer"
    graph = prefer(http, value, EDGE, BEARER)
    assert graph.status_code == 400 and graph.json()["error"]["code"] == 100


def test_prefer_does_not_bypass_authentication(http: httpx.Client) -> None:
    assert prefer(http, "code=200", headers={}).status_code == 401
    assert prefer(http, "code=200", EDGE, {}).json()["error"]["code"] == 104


# ---- scenario rules (admin API) and the journal


def test_rule_with_after_and_times(mockserver: RunningMock, http: httpx.Client) -> None:
    mockserver.arm({"name": "flaky", "operation": "listAccounts", "respond": {"code": 500}, "after": 1, "times": 2})
    statuses = [http.get("/v1/accounts", headers=KEY).status_code for _ in range(5)]
    assert statuses == [200, 500, 500, 200, 200]
    assert [e["status"] for e in mockserver.journal("listAccounts", 500)] == [500, 500]
    assert all(e["scenario"] == "flaky" for e in mockserver.journal(status=500))


def test_rule_matches_query_headers_credential_and_body(mockserver: RunningMock, http: httpx.Client) -> None:
    mockserver.arm(
        {"name": "expired-only", "when": {"query": {"status": "token_expired"}}, "respond": {"example": "api_error"}}
    )
    mockserver.arm(
        {
            "name": "one-account",
            "operation": "createClientAdAccount",
            "when": {"body": {"adaccount_id": "act_777"}, "credential": TOKEN},
            "respond": {"example": "graph_3945"},
        }
    )
    assert http.get("/v1/accounts", headers=KEY, params={"status": "active"}).status_code == 200
    assert http.get("/v1/accounts", headers=KEY, params={"status": "token_expired"}).status_code == 500
    forced = http.post(EDGE, headers=BEARER, data={"adaccount_id": "act_777"})
    assert forced.json()["error"]["code"] == 3945
    real = http.post(EDGE, headers=BEARER, data={"adaccount_id": POST_OUTCOMES["confirmed"]})
    assert real.json() == {"access_status": "CONFIRMED"}


def test_rule_latency_and_probability(mockserver: RunningMock, http: httpx.Client) -> None:
    mockserver.arm({"name": "slow", "operation": "listAccounts", "latency": [200, 250]})
    started = time.monotonic()
    assert http.get("/v1/accounts", headers=KEY).status_code == 200
    assert time.monotonic() - started >= 0.2
    mockserver.reset()
    mockserver.arm({"name": "coin", "respond": {"code": 500}, "probability": 0.5})
    statuses = [http.get("/v1/accounts", headers=KEY).status_code for _ in range(60)]
    assert 10 < statuses.count(500) < 50 and statuses.count(200) == 60 - statuses.count(500)


def test_admin_lists_and_removes_rules(mockserver: RunningMock, http: httpx.Client) -> None:
    mockserver.arm({"name": "down", "respond": {"code": 500}})
    assert [r["name"] for r in http.get("/__mock/scenarios").json()["scenarios"]] == ["down"]
    assert http.get("/v1/accounts", headers=KEY).status_code == 500
    assert http.delete("/__mock/scenarios/down", headers=JSON).status_code == 204
    assert http.get("/v1/accounts", headers=KEY).status_code == 200
    assert http.delete("/__mock/scenarios/down", headers=JSON).status_code == 404


@pytest.mark.parametrize(
    "rule",
    [
        {"respond": {"code": 500}},
        {"name": "x"},
        {"name": "x", "respond": {"code": 418}},
        {"name": "x", "operation": "nope", "latency": 1},
        {"name": "x", "respond": {"example": "nope"}},
        {"name": "x", "latency": -1},
        {"name": "x", "latency": 1, "colour": "blue"},
    ],
)
def test_admin_rejects_bad_rules_clearly(mockserver: RunningMock, rule: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"."):
        mockserver.arm(rule)
    assert mockserver.admin.get("/scenarios").json()["scenarios"] == []


def test_reset_restores_the_seeded_world(mockserver: RunningMock, http: httpx.Client) -> None:
    account = POST_OUTCOMES["confirmed"]
    assert http.post(EDGE, headers=BEARER, data={"adaccount_id": account}).status_code == 200
    assert http.post(EDGE, headers=BEARER, data={"adaccount_id": account}).status_code == 400
    mockserver.reset()
    assert http.post(EDGE, headers=BEARER, data={"adaccount_id": account}).status_code == 200


def test_credentials_and_health(http: httpx.Client) -> None:
    creds = http.get("/__mock/credentials").json()
    assert DOC_KEY in {k["x-api-key"] for k in creds["klayrai"]}
    assert TOKEN in {t["access_token"] for t in creds["graph"]}
    assert http.get("/__mock/health").json()["status"] == "ok"


def test_admin_is_not_in_the_contract(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    assert not [p for p in spec["paths"] if p.startswith("/__mock")]


# ---- rate limits (in-process, with a clock the test moves)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clocked() -> tuple[MockApp, Clock]:
    app = create_app(Settings())
    clock = Clock()
    app.mock.limiter.clock = clock
    return app, clock


@pytest.mark.anyio
async def test_klayrai_rate_limit_answers_429_and_recovers(clocked: tuple[MockApp, Clock]) -> None:
    app, clock = clocked
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as client:
        assert (await client.post("/__mock/rate-limits", json={"limit": 3, "window": 10})).status_code == 201
        responses = [await client.get("/v1/accounts", headers=KEY) for _ in range(4)]
        assert [r.status_code for r in responses] == [200, 200, 200, 429]
        assert [r.headers["x-ratelimit-remaining"] for r in responses] == ["2", "1", "0", "0"]
        assert {r.headers["x-ratelimit-limit"] for r in responses} == {"3"}
        assert responses[-1].json()["error"]["code"] == "rate_limit_error"
        assert int(responses[-1].headers["retry-after"]) == int(responses[-1].headers["x-ratelimit-reset"]) - int(
            clock.now
        )
        other = await client.get("/v1/accounts", headers={"x-api-key": BIG_KEY})
        assert other.status_code == 200  # limits are per credential
        clock.now += 10
        assert (await client.get("/v1/accounts", headers=KEY)).status_code == 200


@pytest.mark.anyio
async def test_graph_rate_limit_answers_80004_and_recovers(clocked: tuple[MockApp, Clock]) -> None:
    app, clock = clocked
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as client:
        await client.post("/__mock/rate-limits", json={"limit": 2, "window": 120, "operation": "listClientAdAccounts"})
        responses = [await client.get(EDGE, headers=BEARER) for _ in range(3)]
        assert [r.status_code for r in responses] == [200, 200, 400]
        error = responses[-1].json()["error"]
        assert (error["code"], error["error_subcode"], error["is_transient"]) == (80004, 2446079, True)
        usage = json.loads(responses[-1].headers["x-business-use-case-usage"])[AGENCY][0]
        assert usage["estimated_time_to_regain_access"] == 2
        assert (await client.post(EDGE, headers=BEARER, data={"adaccount_id": "act_1"})).status_code == 400
        clock.now += 120
        assert (await client.get(EDGE, headers=BEARER)).status_code == 200


# ---- scenario files


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenarios.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.anyio
async def test_scenario_file_rules_and_limits(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
scenarios:
  - name: graph-down
    operation: listClientAdAccounts
    respond: {example: graph_1}
    times: 1
rate_limits:
  - {operation: listAccounts, limit: 1, window: 60}
""",
    )
    app = create_app(Settings(scenarios=path))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as client:
        assert (await client.get(EDGE, headers=BEARER)).status_code == 500
        assert (await client.get(EDGE, headers=BEARER)).status_code == 200
        assert [(await client.get("/v1/accounts", headers=KEY)).status_code for _ in range(2)] == [200, 429]
        await client.post("/__mock/reset", headers=JSON)
        assert (await client.get(EDGE, headers=BEARER)).status_code == 500  # file rules come back with their counters


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("scenarios: [{name: a, respond: {code: 418}}]", "Status 418 is not documented"),
        ("scenarios: [{name: a, operation: nope, latency: 5}]", "unknown operationId 'nope'"),
        ("scenarios: [{name: a, respond: {code: '500'}}]", "scenarios[0].respond.code"),
        ("scenarios: [{name: a}]", "scenarios[0]"),
        ("rate_limits: [{limit: 0, window: 1}]", "rate_limits[0].limit"),
        ("colour: blue", "colour"),
        ("scenarios: [", "scenario file"),
    ],
)
def test_bad_scenario_file_stops_start_up_naming_the_fault(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(MockServerError, match=None) as caught:
        create_app(Settings(scenarios=write(tmp_path, text)))
    assert message in str(caught.value)


# ---- the journal stays bounded


@pytest.mark.anyio
async def test_journal_is_bounded_and_queryable() -> None:
    app = create_app(Settings(journal_size=50))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as client:
        for _ in range(120):
            await client.get("/v1/accounts", headers=KEY)
        await client.get("/v1/accounts")
        body = (await client.get("/__mock/journal", params={"limit": 1000})).json()
        assert body["total"] == 121 and len(body["entries"]) == 50
        assert body["entries"][0]["status"] == 401 and body["entries"][0]["credential"] is None
        assert body["entries"][1]["credential"] == "klyr_l...i789"
        unauthorized = (await client.get("/__mock/journal", params={"status": 401})).json()["entries"]
        assert len(unauthorized) == 1
