"""Response validation: off-contract answers are caught, and the mock never lets one out."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.contract.spec import default_contract
from mockserver.contract.validation import header_accepts, header_check
from mockserver.exchange import Reply
from mockserver.http.app import MockApp
from tests.conftest import DOC_KEY

CONTRACT = default_contract()
SEED_PAGE = CONTRACT.examples("listAccounts")["seed_page"].value
HEADERS = {"x-request-id": "req_ab12", "klayrai-version": "2026-03-01", "X-RateLimit-Limit": "10",
           "X-RateLimit-Remaining": "9", "X-RateLimit-Reset": "1800000000"}  # fmt: skip


@pytest.fixture
def validator(app: MockApp) -> object:
    return app.mock.validator


def problems(validator, body: object, headers: dict[str, str] | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    return validator.problems("klayrai", "listAccounts", 200, json.dumps(body).encode(), headers or HEADERS)


def test_a_valid_answer_has_no_problems(validator) -> None:  # type: ignore[no-untyped-def]
    assert problems(validator, SEED_PAGE) == []
    assert problems(validator, SEED_PAGE) == []  # the remembered verdict


@pytest.mark.parametrize(
    ("field", "value"), [("campaignCount", "12"), ("id", "acct_1"), ("connectedAt", "2026-02-30T08:00:00Z")]
)
def test_body_problems(validator, field: str, value: object) -> None:  # type: ignore[no-untyped-def]
    body = json.loads(json.dumps(SEED_PAGE))
    body["data"][0][field] = value
    assert problems(validator, body) and problems(validator, body)[0].startswith("body")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [("x-request-id", None, "missing"), ("X-RateLimit-Reset", "soon", "not an integer"),
     ("X-RateLimit-Remaining", "-1", "less than 0"), ("klayrai-version", "1999-01-01", "not one of"),
     ("x-request-id", "abc", "does not match")],
)  # fmt: skip
def test_header_problems(validator, name: str, value: str | None, expected: str) -> None:  # type: ignore[no-untyped-def]
    headers = {k: v for k, v in HEADERS.items() if k != name}
    if value is not None:
        headers[name] = value
    found = problems(validator, SEED_PAGE, headers)
    assert len(found) == 1 and expected in found[0]


def test_error_verdicts_are_kept_with_the_request_id_masked(validator) -> None:  # type: ignore[no-untyped-def]
    error = CONTRACT.examples("listAccounts")["authentication_error"]
    headers = HEADERS | {"x-request-id": "req_1"}

    def check(body: dict, trace: str) -> list[str]:
        encoded = json.dumps(body).encode()
        return validator.problems("klayrai", "listAccounts", error.status, encoded, headers, trace)

    for trace in ("req_0000000000000001", "req_0000000000000002"):
        body = json.loads(json.dumps(error.value))
        body["error"]["request_id"] = trace
        assert check(body, trace) == []
        body["error"]["code"] = 7
        assert check(body, trace) and check(body, trace)[0].startswith("body")


def test_undocumented_status_is_a_problem(validator) -> None:  # type: ignore[no-untyped-def]
    assert validator.problems("klayrai", "listAccounts", 418, b"{}", HEADERS) == [
        "status 418 is not documented for listAccounts"
    ]


@pytest.mark.anyio
async def test_an_off_contract_answer_becomes_the_apis_500(app: MockApp) -> None:
    wired = app.api.operations
    handlers = {op.operation_id: op.handler for op in wired}
    app.api.operations = wired.with_handlers({**handlers, "listAccounts": lambda _e, _p: Reply(200, {"data": "oops"})})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as client:
        response = await client.get("/v1/accounts", headers={"x-api-key": DOC_KEY})
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "api_error" and "off-contract" in error["message"]
    assert error["request_id"] == response.headers["x-request-id"]


SCHEMAS = [
    {"type": "integer", "minimum": 0},
    {"type": "integer"},
    {"type": "string", "enum": ["no-cache", "private, no-cache"]},
    {"type": "string", "pattern": "^req_[0-9a-f]+$"},
    {"type": "string", "pattern": '^\\{.*"call_count".*\\}$'},
    {"type": "string", "minLength": 2},
    {"type": "string", "pattern": "^v[0-9]+\\.[0-9]+$", "minLength": 4},
]
VALUES = st.one_of(
    st.text(max_size=12),
    st.integers(-(10**32), 10**32).map(str),
    st.sampled_from(["+5", "-0", "007", "no-cache", "req_0a", 'x{"call_count":1}', "v25.0", "é", " 1"]),
)


@pytest.mark.parametrize("schema", SCHEMAS)
@given(value=VALUES)
def test_a_header_quick_yes_is_never_a_check_failure(schema: dict[str, object], value: str) -> None:
    """The quick yes (`header_accepts`) only ever agrees with the check: it may say no where the check passes (the
    check then runs), never yes where the check fails."""
    check = header_check("x-test", schema)
    accepts = header_accepts(schema, check)
    if accepts(value):
        assert check(value) is None
