"""Graph batch requests on a real socket (docs/decisions.md): both request forms on the three paths, tokens,
per-item Prefer, rate limits per item, state in item order, the 50-item limit, every malformed input."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mockserver.testing import RunningMock
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import AGENCY, DOC_KEY, EXPIRED_TOKEN, OTHER_TOKEN, TOKEN

EDGE = f"{AGENCY}/client_ad_accounts"
READ = {"method": "GET", "relative_url": f"{EDGE}?fields=name&limit=2"}


def send(http: httpx.Client, items: Any, path: str = "/v25.0/", form: bool = True, **params: Any) -> httpx.Response:
    """The batch as the Python SDK sends it (a form field) or as the Node SDK does (a JSON body)."""
    query = {"access_token": TOKEN, **params}
    if form:
        return http.post(path, params=query, data={"batch": items if isinstance(items, str) else json.dumps(items)})
    return http.post(path, params=query, json={"batch": items})


def answers(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    return [{**answer, "body": json.loads(answer["body"])} for answer in response.json()]


def without_ids(body: Any) -> Any:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return {"error": {k: v for k, v in body["error"].items() if k != "fbtrace_id"}}
    return body


def batch_error(response: httpx.Response, code: int = 100) -> str:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["fbtrace_id"] == response.headers["x-fb-trace-id"]
    assert response.headers["www-authenticate"].startswith('OAuth "Facebook Platform"')
    return str(error["message"])


@pytest.mark.parametrize("path", ["/v25.0/", "/v25.0", "/"])
@pytest.mark.parametrize("form", [True, False], ids=["form", "json"])
def test_items_answer_as_if_sent_alone(http: httpx.Client, path: str, form: bool) -> None:
    items = [
        READ,
        {"method": "GET", "relative_url": f"/v25.0/{EDGE}?fields=name&limit=2"},
        {"method": "GET", "relative_url": f"v25.0/{AGENCY}/client_ad_acounts"},
        {"method": "GET", "relative_url": "9999999999/client_ad_accounts"},
    ]
    got = answers(send(http, items, path, form))
    alone = [
        http.get(f"/v25.0/{EDGE}", params={"access_token": TOKEN, "fields": "name", "limit": 2}),
        http.get(f"/v25.0/{AGENCY}/client_ad_acounts", params={"access_token": TOKEN}),
        http.get("/v25.0/9999999999/client_ad_accounts", params={"access_token": TOKEN}),
    ]
    expected = [alone[0], alone[0], alone[1], alone[2]]
    assert [a["code"] for a in got] == [r.status_code for r in expected] == [200, 200, 400, 400]
    assert [without_ids(a["body"]) for a in got] == [without_ids(r.json()) for r in expected]
    assert [a["body"]["error"]["code"] for a in got[2:]] == [2500, 100]
    headers = {h["name"].lower(): h["value"] for h in got[0]["headers"]}
    assert headers["content-type"] == "application/json; charset=UTF-8"
    assert headers["x-business-use-case-usage"].startswith(f'{{"{AGENCY}"')
    assert got[0]["body"]["paging"]["next"].startswith(f"{str(http.base_url).rstrip('/')}/v25.0/{EDGE}?access_token=")


def test_include_headers_false_drops_every_items_headers(http: httpx.Client) -> None:
    for response in (
        send(http, [READ, READ], include_headers="false"),
        http.post("/v25.0", params={"access_token": TOKEN}, json={"batch": [READ, READ], "include_headers": False}),
    ):
        assert [sorted(answer) for answer in response.json()] == [["body", "code"]] * 2
    assert "(#100) include_headers must be true or false" in batch_error(send(http, [READ], include_headers="no"))


def test_token_in_form_body_or_authorization_header(http: httpx.Client) -> None:
    batch = json.dumps([READ])
    in_form = http.post("/v25.0/", data={"batch": batch, "access_token": TOKEN})
    bearer = http.post("/v25.0/", data={"batch": batch}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert [a["code"] for a in answers(in_form)] == [a["code"] for a in answers(bearer)] == [200]
    assert batch_error(http.post("/v25.0/", data={"batch": batch}), 104)
    expired = http.post("/v25.0/", params={"access_token": EXPIRED_TOKEN}, data={"batch": batch})
    assert expired.status_code == 400 and expired.json()["error"]["error_subcode"] == 463


def test_an_items_own_token_wins_over_the_batchs(http: httpx.Client) -> None:
    items = [
        {**READ, "relative_url": READ["relative_url"] + f"&access_token={OTHER_TOKEN}"},
        {**READ, "headers": [{"name": "Authorization", "value": f"OAuth {EXPIRED_TOKEN}"}]},
        {**READ, "headers": ["Authorization: Bearer EAAGnot0a0real0token"]},
        READ,
    ]
    got = answers(send(http, items))
    assert [(a["code"], a["body"].get("error", {}).get("code")) for a in got] == [
        (400, 100),  # the other agency cannot see this business
        (400, 190),
        (400, 190),
        (200, None),
    ]
    assert got[0]["body"]["error"]["error_subcode"] == 33 and got[1]["body"]["error"]["error_subcode"] == 463


def test_prefer_applies_to_its_own_item_only(http: httpx.Client) -> None:
    items = [{**READ, "headers": ["Prefer: example=graph_80004"]}, READ, {**READ, "headers": ["Prefer: code=500"]}]
    got = answers(send(http, items))
    assert [a["code"] for a in got] == [400, 200, 500]
    assert got[0]["body"]["error"]["code"] == 80004 and got[2]["body"]["error"]["code"] == 1


def test_rate_limits_count_each_item(http: httpx.Client, mockserver: RunningMock) -> None:
    mockserver.limit(3, 60, operation="listClientAdAccounts")
    got = answers(send(http, [READ] * 4))
    assert [a["code"] for a in got] == [200, 200, 200, 400]
    assert got[3]["body"]["error"]["code"] == 80004
    assert http.get(f"/v25.0/{EDGE}", params={"access_token": TOKEN}).json()["error"]["code"] == 80004
    assert json.loads(send(http, [READ]).headers["x-app-usage"])["call_count"] == 100


def test_state_changes_in_item_order_and_every_item_is_journaled(http: httpx.Client, mockserver: RunningMock) -> None:
    account = POST_OUTCOMES["confirmed"]
    find = {"method": "GET", "relative_url": f"{EDGE}?limit=500"}
    create = {
        "method": "POST",
        "relative_url": EDGE,
        "body": f"adaccount_id={account}&permitted_tasks=%5B%22MANAGE%22%5D",
    }
    got = answers(send(http, [find, create, find, create]))
    assert [a["code"] for a in got] == [200, 200, 200, 400]
    assert got[1]["body"] == {"access_status": "CONFIRMED"} and got[3]["body"]["error"]["code"] == 3989
    listed = [[node["id"] for node in a["body"]["data"]] for a in (got[0], got[2])]
    assert account not in listed[0] and account in listed[1]
    entries = mockserver.journal(limit=5)
    assert [e["operation_id"] for e in entries] == [
        "graphBatch",
        "createClientAdAccount",
        "listClientAdAccounts",
        "createClientAdAccount",
        "listClientAdAccounts",
    ]


def test_a_json_body_with_a_form_text_item_body(http: httpx.Client) -> None:
    create = {"method": "POST", "relative_url": EDGE, "body": f"adaccount_id={POST_OUTCOMES['confirmed']}"}
    assert answers(send(http, [create], "/v25.0", form=False))[0]["body"] == {"access_status": "CONFIRMED"}


def test_fifty_items_are_answered_and_fifty_one_refused(http: httpx.Client) -> None:
    assert len(answers(send(http, [READ] * 50))) == 50
    message = batch_error(send(http, [READ] * 51))
    assert message == "(#100) Too many requests in batch message. Maximum batch size is 50"


@pytest.mark.parametrize(
    ("batch", "fault"),
    [
        (None, "The parameter batch is required"),
        ("", "The parameter batch is required"),
        ("[{", "it is not JSON"),
        ("[]", "a JSON array of objects"),
        ('{"method": "GET"}', "a JSON array of objects"),
        ('["GET /me"]', "batch[0] must be an object"),
        ('[{"method": "GET"}]', "batch[0].relative_url is required"),
        ('[{"relative_url": "me"}]', "batch[0].method is required"),
        ('[{"method": "GET", "relative_url": "me", "body": 1}]', "batch[0].body must be"),
        ('[{"method": "GET", "relative_url": "me", "body": {"a": "b"}}]', "batch[0].body must be"),
        ('[{"method": "GET", "relative_url": "me", "headers": [1]}]', "batch[0].headers must be"),
        ('[{"method": "GET", "relative_url": "me", "headers": ["no colon"]}]', "batch[0].headers must be"),
        (
            '[{"method": "GET", "relative_url": "me", "headers": [{"name": "a", "value": "b", "x": 1}]}]',
            ".headers must",
        ),
        ('[{"method": "GET", "relative_url": "me", "name": 1}]', "batch[0].name must be a str"),
        ('[{"method": "GET", "relative_url": "me", "omit_response_on_success": "no"}]', "must be a bool"),
        (
            '[{"method": "GET", "relative_url": "me", "attached_files": "f"}]',
            "batch[0].attached_files is not supported",
        ),
    ],
)
def test_malformed_batches_are_graph_errors(http: httpx.Client, batch: str | None, fault: str) -> None:
    data = {} if batch is None else {"batch": batch}
    message = batch_error(http.post("/v25.0/", params={"access_token": TOKEN}, data=data))
    assert message.startswith("(#100) ") and fault in message


def test_a_json_body_that_is_not_an_object_and_a_multipart_body(http: httpx.Client) -> None:
    query = {"access_token": TOKEN}
    assert "JSON object" in batch_error(http.post("/v25.0", params=query, json=[READ]))
    multipart = http.post("/v25.0/", params=query, files={"batch": (None, json.dumps([READ]))})
    assert "Unsupported Content-Type multipart/form-data" in batch_error(multipart)


def test_jsonpath_references_and_nested_batches_are_item_errors(http: httpx.Client) -> None:
    items = [
        {**READ, "name": "first"},
        {"method": "GET", "relative_url": f"{EDGE}?search_query={{result=first:$.data.0.name}}"},
        {"method": "POST", "relative_url": EDGE, "body": "adaccount_id=%7Bresult%3Dfirst%3A%24.data.0.id%7D"},
        {"method": "POST", "relative_url": "v25.0/"},
    ]
    got = answers(send(http, items))
    assert [a["code"] for a in got] == [200, 400, 400, 400]
    assert all("JSONPath references" in a["body"]["error"]["message"] for a in got[1:3])
    assert got[3]["body"]["error"]["message"] == "(#100) A batch request cannot contain another batch request"


def test_prefer_on_the_batch_forces_a_documented_batch_answer(http: httpx.Client) -> None:
    forced = http.post("/v25.0/", params={"access_token": TOKEN}, data={"batch": "[]"}, headers={"Prefer": "code=500"})
    assert forced.status_code == 500 and forced.json()["error"]["code"] == 1


def test_wrong_method_or_version_on_a_batch_path(http: httpx.Client) -> None:
    for response in (http.get("/v25.0/", params={"access_token": TOKEN}), send(http, [READ], "/25.0/")):
        assert response.status_code == 400 and response.json()["error"]["code"] == 2500
    klayrai = http.post("/v1", headers={"x-api-key": DOC_KEY})
    assert klayrai.status_code == 404 and klayrai.json()["error"]["code"] == "not_found"
