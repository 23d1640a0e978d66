"""The admin API changes state only on requests a web page cannot forge (docs/decisions.md): a state-changing
call without `Content-Type: application/json` gets 415 and changes nothing. Real socket, the session's mock."""

from __future__ import annotations

import httpx
import pytest

from mockserver.testing import JSON, RunningMock
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import DOC_KEY, EDGE, TOKEN

REFUSED = {"error": {"message": "{} on the admin API needs Content-Type: application/json (nothing changed)"}}


def refused(response: httpx.Response, method: str) -> bool:
    expected = {"error": {"message": REFUSED["error"]["message"].format(method)}}
    return response.status_code == 415 and response.json() == expected


def test_a_cross_site_form_cannot_reset_the_mock(http: httpx.Client) -> None:
    account = POST_OUTCOMES["confirmed"]
    assert http.post(EDGE, params={"access_token": TOKEN, "adaccount_id": account}).status_code == 200
    form = http.post("/__mock/reset", data={"x": "1"}, headers={"Origin": "http://evil.example"})
    assert refused(form, "POST")
    listed = http.get(EDGE, params={"access_token": TOKEN, "limit": 500}).json()["data"]
    assert account in [node["id"] for node in listed]  # the world was not reset


def test_a_text_plain_post_cannot_arm_a_scenario(http: httpx.Client) -> None:
    rule = '{"name": "down", "respond": {"code": 500}}'
    assert refused(http.post("/__mock/scenarios", content=rule, headers={"content-type": "text/plain"}), "POST")
    assert http.get("/__mock/scenarios").json()["scenarios"] == []
    assert http.get("/v1/accounts", headers={"x-api-key": DOC_KEY}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/__mock/rate-limits"),
        ("POST", "/__mock/pending/approve"),
        ("DELETE", "/__mock/journal"),
        ("DELETE", "/__mock/scenarios"),
        ("PUT", "/__mock/scenarios"),
        ("PATCH", "/__mock/scenarios"),
    ],
)
def test_every_state_changing_call_needs_json(
    http: httpx.Client, mockserver: RunningMock, method: str, path: str
) -> None:
    mockserver.arm({"name": "kept", "operation": "listAccounts", "latency": 1})
    http.get("/v1/accounts", headers={"x-api-key": DOC_KEY})
    assert refused(http.request(method, path, content=b'{"limit": 1, "window": 60}'), method)
    assert refused(http.request(method, path, headers={"content-type": "application/x-www-form-urlencoded"}), method)
    assert [rule["name"] for rule in http.get("/__mock/scenarios").json()["scenarios"]] == ["kept"]
    assert http.get("/__mock/scenarios").json()["rate_limits"] == []
    assert len(mockserver.journal()) == 1


def test_json_calls_and_reads_still_work(http: httpx.Client, mockserver: RunningMock) -> None:
    charset = {"content-type": "application/json; charset=utf-8"}
    assert http.post("/__mock/rate-limits", content=b'{"limit": 5, "window": 10}', headers=charset).status_code == 201
    assert http.delete("/__mock/rate-limits", headers=JSON).status_code == 204
    assert http.post("/__mock/reset", headers=JSON).json()["status"] == "reset"
    assert http.get("/__mock/health").status_code == 200  # reads need nothing
    mockserver.reset()  # the fixture's helpers say JSON
