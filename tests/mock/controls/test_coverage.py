"""`GET /__mock/coverage`: what the mock answered, counted per documented response whichever way the answer came
(behaviour, Prefer, a scenario, a rate limit, a batch item), in memory and shared on a real Redis, cleared by reset."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from mockserver.contract.responses import all_documented as documented_per_operation
from mockserver.contract.responses import error_identity
from mockserver.contract.spec import default_contract
from mockserver.controls.coverage import Coverage
from mockserver.testing import JSON, RunningMock
from tests.conftest import AGENCY, DOC_KEY, EDGE, EXPIRED_TOKEN, TOKEN
from tests.mock.test_cli import serving
from tests.redis_server import RedisServer

pytest_plugins = ["pytester"]  # the plugin's tests run a suite of their own

KEY = {"x-api-key": DOC_KEY}
BEARER = {"Authorization": f"Bearer {TOKEN}"}
ITEM = {"method": "GET", "relative_url": f"{AGENCY}/client_ad_accounts?limit=1"}
Key = tuple[str, str, str | None]

# Known traffic and exactly what it counts: (operationId, status, example) -> answers.
EXPECTED: dict[Key, int] = {
    ("listAccounts", "200", None): 2,
    ("listAccounts", "401", None): 1,
    ("listAccounts", "429", None): 1,  # forced by Prefer
    ("listClientAdAccounts", "400", "graph_80004"): 1,  # forced by Prefer, under its example
    ("listClientAdAccounts", "400", "graph_190_463"): 1,  # an expired token
    ("listClientAdAccounts", "200", None): 2,  # the batch's two items
    ("graphBatch", "200", None): 1,
}
UNDOCUMENTED = {"listClientAdAccounts": [{"answer": "200 error code 190 subcode 463", "seen": 1}]}
OUTSIDE = 2


def known_traffic(base: str) -> None:
    with httpx.Client(base_url=base, timeout=10) as http:
        assert http.get("/v1/accounts", headers=KEY).status_code == 200
        assert http.get("/v1/accounts", headers=KEY, params={"page_size": 1}).status_code == 200
        assert http.get("/v1/accounts").status_code == 401
        assert http.get("/v1/accounts", headers={**KEY, "Prefer": "code=429"}).status_code == 429
        assert http.get(EDGE, headers={**BEARER, "Prefer": "example=graph_80004"}).status_code == 400
        assert http.get(EDGE, params={"access_token": EXPIRED_TOKEN}).status_code == 400
        # suppress_http_code: the same error with HTTP 200, which the contract does not document
        assert http.get(EDGE, params={"access_token": EXPIRED_TOKEN, "suppress_http_code": "1"}).status_code == 200
        batch = http.post("/v25.0/", params={"access_token": TOKEN}, data={"batch": json.dumps([ITEM, ITEM])})
        assert [item["code"] for item in batch.json()] == [200, 200]
        assert http.get("/nothing").status_code == 400  # no operation serves it: outside
        assert http.delete("/v1/accounts").status_code == 405  # no operation either


def seen(report: dict[str, Any]) -> dict[Key, int]:
    """The documented responses answered at least once, and how often."""
    return {
        (operation["operationId"], entry["status"], entry["example"]): entry["seen"]
        for operation in report["operations"]
        for entry in operation["responses"]
        if entry["seen"]
    }


def undocumented(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {op["operationId"]: op["undocumented"] for op in report["operations"] if op["undocumented"]}


def assert_known(report: dict[str, Any], times: int = 1) -> None:
    assert seen(report) == {key: count * times for key, count in EXPECTED.items()}
    assert undocumented(report) == {
        op: [{**kind, "seen": kind["seen"] * times} for kind in kinds] for op, kinds in UNDOCUMENTED.items()
    }
    assert report["outside"] == OUTSIDE * times
    documented = sum(len(operation["responses"]) for operation in report["operations"])
    assert report["summary"] == {
        "percent": round(100 * len(EXPECTED) / documented, 1),
        "seen": len(EXPECTED),
        "documented": documented,
    }


def test_known_traffic_gives_exact_counts(mockserver: RunningMock) -> None:
    empty = mockserver.coverage()
    assert seen(empty) == {} and empty["outside"] == 0 and empty["summary"]["seen"] == 0
    known_traffic(mockserver.base_url)
    report = mockserver.coverage()
    assert_known(report)
    listed = [operation["operationId"] for operation in report["operations"]]
    assert listed == [operation["operationId"] for operation in empty["operations"]]  # every operation, always


def test_reset_clears_the_counts(mockserver: RunningMock) -> None:
    known_traffic(mockserver.base_url)
    mockserver.reset()
    report = mockserver.coverage()
    assert seen(report) == {} and report["outside"] == 0 and undocumented(report) == {}


def test_a_scenarios_answer_is_counted(mockserver: RunningMock) -> None:
    mockserver.arm({"name": "down", "operation": "listAccounts", "respond": {"code": 500}, "times": 1})
    with mockserver.client() as http:
        assert http.get("/v1/accounts", headers=KEY).status_code == 500
        assert http.get("/v1/accounts", headers=KEY).status_code == 200
    assert seen(mockserver.coverage()) == {("listAccounts", "500", None): 1, ("listAccounts", "200", None): 1}


def test_a_rate_limited_answer_is_counted(mockserver: RunningMock) -> None:
    mockserver.limit(1, 60, operation="listClientAdAccounts")
    with mockserver.client() as http:
        assert http.get(EDGE, headers=BEARER).status_code == 200
        assert http.get(EDGE, headers=BEARER).json()["error"]["code"] == 80004
    assert seen(mockserver.coverage()) == {
        ("listClientAdAccounts", "200", None): 1,
        ("listClientAdAccounts", "400", "graph_80004"): 1,
    }


# ---- shared on Redis


@pytest.fixture(scope="module")
def replicas(redis_server: RedisServer) -> Iterator[tuple[RunningMock, RunningMock]]:
    """Two `mockserver serve` processes on one real Redis."""
    with ExitStack() as stack:
        bases = [stack.enter_context(serving("--state", redis_server.url()))[0] for _ in range(2)]
        mocks = [RunningMock(base) for base in bases]
        for mock in mocks:
            stack.callback(mock.close)
        yield mocks[0], mocks[1]


def test_two_processes_on_one_redis_count_into_one_report(replicas: tuple[RunningMock, RunningMock]) -> None:
    first, second = replicas
    assert first.admin.post("/reset", headers=JSON).status_code == 200
    known_traffic(first.base_url)
    known_traffic(second.base_url)
    # A process counts an answer just after writing it, and writes its counts with its next batch (or when its
    # coverage is read): once each has been read, neither has any left to write.
    first.coverage(), second.coverage()
    assert_known(first.coverage(), times=2)
    assert_known(second.coverage(), times=2)
    second.reset()  # a reset through either process clears them for both
    assert seen(first.coverage()) == {} and first.coverage()["outside"] == 0


# ---- the pytest plugin: a suite's summary and its minimum

SUITE = f'''
KEY = {{"x-api-key": "{DOC_KEY}"}}

def test_lists(mockserver):
    with mockserver.client() as http:
        assert http.get("/v1/accounts", headers=KEY).status_code == 200

def test_unauthenticated(mockserver):  # after the reset between tests: the first test's answer still counts
    with mockserver.client() as http:
        assert http.get("/v1/accounts").status_code == 401
'''


def inner_session(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_suite=SUITE)
    return pytester.runpytest("-p", "mockserver", *args)


def test_the_plugin_prints_the_mocks_coverage_of_the_session(pytester: pytest.Pytester) -> None:
    result = inner_session(pytester)
    assert result.ret == 0
    documented = sum(len(r) for r in documented_per_operation(default_contract()).values())
    result.stdout.fnmatch_lines([
        "*mock coverage*",
        f"The mock answered 2 of {documented} documented responses ({round(200 / documented, 1)}%); answers to * 0.",
        "Never answered:",
        "  listAccounts 400",
        "  ... and * more",
    ])  # fmt: skip
    assert "  listAccounts 200" not in result.stdout.lines and "  listAccounts 401" not in result.stdout.lines


def test_mock_coverage_min_fails_a_green_session_below_it(pytester: pytest.Pytester) -> None:
    failing = inner_session(pytester, "--mock-coverage-min", "50")
    assert failing.ret == pytest.ExitCode.TESTS_FAILED
    failing.stdout.fnmatch_lines(["*2 passed*"])
    assert "FAILED: below --mock-coverage-min 50%" in failing.stdout.str()
    assert inner_session(pytester, "--mock-coverage-min", "1").ret == pytest.ExitCode.OK


def test_mock_coverage_min_must_be_a_percentage(pytester: pytest.Pytester) -> None:
    result = inner_session(pytester, "--mock-coverage-min", "150")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*150 is not a percentage between 0 and 100*"])


def test_an_error_code_of_any_json_type_is_classified() -> None:
    """A drawn or foreign error body may carry an array or object as its code: still an identity, never a crash."""
    identity = error_identity({"error": {"code": [100], "error_subcode": {"x": 1}}})
    assert identity == ("[100]", '{"x": 1}')
    coverage = Coverage(default_contract())
    assert coverage.name("listClientAdAccounts", 400, identity) == json.dumps(
        ["undocumented", "listClientAdAccounts", '400 error code [100] subcode {"x": 1}']
    )
