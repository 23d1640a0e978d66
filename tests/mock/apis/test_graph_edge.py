"""docs/decisions.md against the running mock (real socket), statement by statement."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mockserver.contract.spec import default_contract
from mockserver.testing import JSON
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import AGENCY, EDGE, EXPIRED_TOKEN, NOPERM_TOKEN, OTHER_AGENCY, OTHER_TOKEN, TOKEN

NODE_FIELDS = default_contract().deref({"$ref": "#/components/schemas/AdAccountField"})["enum"]


def graph_error(response: httpx.Response, status: int, code: int, subcode: int | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    error = response.json()["error"]
    assert (error["code"], error.get("error_subcode")) == (code, subcode)
    assert {"message", "type", "code", "fbtrace_id"} <= set(error)
    assert error["fbtrace_id"] == response.headers["x-fb-trace-id"]
    word = {190: "invalid_token", 200: "insufficient_scope"}.get(
        code, "unknown_error" if status >= 500 else "invalid_request"
    )
    message = error["message"].replace('"', "'")
    assert response.headers["www-authenticate"] == f'OAuth "Facebook Platform" "{word}" "{message}"'
    return error


def listing(http: httpx.Client, token: str | None = TOKEN, path: str = EDGE, **params: Any) -> httpx.Response:
    if token:
        params["access_token"] = token
    return http.get(path, params=params)


def create(http: httpx.Client, token: str = TOKEN, **params: Any) -> httpx.Response:
    return http.post(EDGE, params={"access_token": token}, data=params)


def walk(http: httpx.Client, **params: Any) -> tuple[list[dict], list[dict]]:
    """Follow `paging.next` verbatim, as the Node SDK does; returns the nodes and each page's body."""
    pages = [listing(http, **params).json()]
    while "next" in pages[-1].get("paging", {}):
        pages.append(http.get(pages[-1]["paging"]["next"]).json())
        assert len(pages) < 1000, "the cursor walk does not end"
    return [node for page in pages for node in page["data"]], pages


# ---- auth


@pytest.mark.parametrize(
    "send",
    [
        lambda http: http.get(EDGE, params={"access_token": TOKEN}),
        lambda http: http.get(EDGE, headers={"Authorization": f"Bearer {TOKEN}"}),
        lambda http: http.get(EDGE, headers={"Authorization": f"OAuth {TOKEN}"}),
        lambda http: http.post(EDGE, data={"access_token": TOKEN, "adaccount_id": POST_OUTCOMES["confirmed"]}),
    ],
)
def test_token_is_accepted_in_query_header_and_form(http: httpx.Client, send: Any) -> None:
    response = send(http)
    assert response.status_code == 200, response.text
    assert "error" not in response.json()


def test_no_token_is_104(http: httpx.Client) -> None:
    error = graph_error(listing(http, None), 400, 104)
    assert error["type"] == "OAuthException"
    assert "x-business-use-case-usage" not in listing(http, None).headers


def test_unknown_token_is_190(http: httpx.Client) -> None:
    graph_error(listing(http, "EAAGnope"), 400, 190)


def test_expired_token_is_190_463(http: httpx.Client) -> None:
    assert "expired" in graph_error(listing(http, EXPIRED_TOKEN), 400, 190, 463)["message"]


def test_appsecret_proof(http: httpx.Client) -> None:
    secret = http.get("/__mock/credentials").json()["app_secret"]
    proof = hmac.new(secret.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    assert listing(http, appsecret_proof=proof).status_code == 200
    assert graph_error(listing(http, appsecret_proof="0" * 64), 400, 100)["type"] == "OAuthException"


@pytest.mark.parametrize("business", ["9999999999", OTHER_AGENCY, "abc"])
def test_unknown_or_invisible_business_is_100_33(http: httpx.Client, business: str) -> None:
    error = graph_error(listing(http, path=f"/v25.0/{business}/client_ad_accounts"), 400, 100, 33)
    assert error["type"] == "GraphMethodException"
    assert error["message"].startswith(f"Unsupported get request. Object with ID '{business}' does not exist")


def test_post_to_invisible_business_says_post(http: httpx.Client) -> None:
    response = http.post(
        f"/v25.0/{OTHER_AGENCY}/client_ad_accounts",
        params={"access_token": TOKEN},
        data={"adaccount_id": POST_OUTCOMES["confirmed"]},
    )
    assert graph_error(response, 400, 100, 33)["message"].startswith("Unsupported post request.")


def test_tenant_isolation_between_agencies(http: httpx.Client) -> None:
    ours = {n["id"] for n in walk(http, limit=100)[0]}
    theirs = {n["id"] for n in walk(http, token=OTHER_TOKEN, path=f"/v25.0/{OTHER_AGENCY}/client_ad_accounts")[0]}
    assert ours and theirs and not ours & theirs


def test_missing_permission_is_403_code_200(http: httpx.Client) -> None:
    assert graph_error(listing(http, NOPERM_TOKEN), 403, 200)["type"] == "OAuthException"


# ---- paths and versions


def test_any_version_is_echoed(http: httpx.Client) -> None:
    response = listing(http, path=f"/v3.1/{AGENCY}/client_ad_accounts")
    assert response.status_code == 200 and response.headers["facebook-api-version"] == "v3.1"


@pytest.mark.parametrize(
    "path",
    [
        f"/v25/{AGENCY}/client_ad_accounts",
        f"/25.0/{AGENCY}/client_ad_accounts",
        f"/v25.0/{AGENCY}/client_ad_acounts",
        "/v25.0/me",
        "/nothing",
    ],
)
def test_unknown_path_or_malformed_version_is_2500(http: httpx.Client, path: str) -> None:
    response = listing(http, path=path)
    assert graph_error(response, 400, 2500)["message"].startswith("Unknown path components: ")
    assert re.fullmatch(r"v[0-9]+\.[0-9]+", response.headers["facebook-api-version"])


@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH"])
def test_wrong_method_is_unsupported_request(http: httpx.Client, method: str) -> None:
    response = http.request(method, EDGE, params={"access_token": TOKEN})
    assert graph_error(response, 400, 100, 33)["message"].startswith(f"Unsupported {method.lower()} request.")


# ---- reading


def test_default_fields(http: httpx.Client) -> None:
    body = listing(http).json()
    assert len(body["data"]) == 25
    assert body["data"][:2] == [
        {"id": "act_123456789", "account_id": "123456789"},
        {"id": "act_987654321", "account_id": "987654321"},
    ]
    assert all(list(node) == ["id", "account_id"] for node in body["data"])
    assert "summary" not in body


def test_fields_projection_is_exact(http: httpx.Client) -> None:
    for fields in (["name"], ["id"], NODE_FIELDS, ["business", "permitted_tasks", "currency"]):
        data = listing(http, fields=",".join(fields), limit=5).json()["data"]
        assert all(set(node) == {"id", *fields} for node in data), fields
    node = listing(http, fields=",".join(NODE_FIELDS), limit=1).json()["data"][0]
    assert node["business"] == {"id": "1234567890", "name": "Acme Corporation"}
    assert node["name"] == "Acme Corp - Main" and node["currency"] == "EUR"
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+0000", node["created_time"])
    assert all(re.fullmatch(r"[0-9]+", node[f]) for f in ("amount_spent", "spend_cap"))


def test_unknown_field_is_100(http: httpx.Client) -> None:
    error = graph_error(listing(http, fields="name,colour"), 400, 100)
    assert error["message"] == "(#100) Tried accessing nonexisting field (colour) on node type (AdAccount)"


@pytest.mark.parametrize("limit", ["0", "501", "-3", "ten"])
def test_limit_out_of_range_is_100(http: httpx.Client, limit: str) -> None:
    graph_error(listing(http, limit=limit), 400, 100)


@pytest.mark.parametrize("limit", [1, 7, 25, 500])
def test_cursor_walk_visits_total_count_once_and_ends(http: httpx.Client, limit: int) -> None:
    nodes, pages = walk(http, limit=limit, summary="true", fields="name")
    total = pages[0]["summary"]["total_count"]
    ids = [n["id"] for n in nodes]
    assert total > 100 and len(ids) == total == len(set(ids))
    assert all(len(p["data"]) <= limit for p in pages)
    assert "previous" not in pages[0]["paging"] and "next" not in pages[-1]["paging"]
    assert all(p["summary"]["total_count"] == total for p in pages)


def test_paging_links_are_absolute_on_the_called_host_and_keep_the_query(http: httpx.Client) -> None:
    first = listing(http, limit=2, fields="name", summary="total_count").json()
    link = urlsplit(first["paging"]["next"])
    assert f"{link.scheme}://{link.netloc}" == str(http.base_url).rstrip("/")
    query = parse_qs(link.query)
    assert query["access_token"] == [TOKEN] and query["fields"] == ["name"] and query["limit"] == ["2"]
    assert query["after"] == [first["paging"]["cursors"]["after"]]
    second = http.get(first["paging"]["next"]).json()
    back = http.get(second["paging"]["previous"]).json()
    assert back["data"] == first["data"]


def test_before_cursor_walks_backwards(http: httpx.Client) -> None:
    _, pages = walk(http, limit=10)
    back = http.get(pages[-1]["paging"]["previous"]).json()
    assert back["data"] == pages[-2]["data"]


@pytest.mark.parametrize("cursor", ["forged", "MTIzNDU2Nzg5", "MS4wMDAwMDAwMDAwMDA"])
@pytest.mark.parametrize("name", ["after", "before"])
def test_forged_cursor_is_100(http: httpx.Client, cursor: str, name: str) -> None:
    assert "not a valid cursor" in graph_error(listing(http, **{name: cursor}), 400, 100)["message"]


def test_summary_variants(http: httpx.Client) -> None:
    assert "summary" in listing(http, summary="true").json()
    assert "summary" in listing(http, summary="total_count").json()
    assert "summary" not in listing(http, summary="false").json()
    graph_error(listing(http, summary="yes"), 400, 100)


def test_search_query_filters_names_case_insensitively(http: httpx.Client) -> None:
    body = listing(http, search_query="aCmE cOrP", fields="name", summary="true").json()
    assert body["summary"]["total_count"] == len(body["data"]) >= 2
    assert all("acme corp" in n["name"].lower() for n in body["data"])


def test_empty_selection_has_data_and_no_paging(http: httpx.Client) -> None:
    body = listing(http, search_query="no such account name anywhere", summary="true").json()
    assert body == {"data": [], "summary": {"total_count": 0}}


def test_headers_past_authentication(http: httpx.Client) -> None:
    response = listing(http)
    usage = json.loads(response.headers["x-business-use-case-usage"])
    assert set(usage) == {AGENCY}
    assert set(usage[AGENCY][0]) == {
        "type",
        "call_count",
        "total_cputime",
        "total_time",
        "estimated_time_to_regain_access",
    }
    assert response.headers["facebook-api-version"] == "v25.0"


# ---- creating


@pytest.mark.parametrize(
    ("case", "code", "subcode"),
    [("graph_3946", 3946, None), ("graph_3945", 3945, None), ("graph_3989", 3989, None)],
)
def test_post_outcomes(http: httpx.Client, case: str, code: int, subcode: int | None) -> None:
    graph_error(create(http, adaccount_id=POST_OUTCOMES[case]), 400, code, subcode)


def test_post_unknown_account_is_100_33(http: httpx.Client) -> None:
    error = graph_error(create(http, adaccount_id="act_404404404"), 400, 100, 33)
    assert "Unsupported post request. Object with ID 'act_404404404'" in error["message"]


def ids_in_list(http: httpx.Client) -> set[str]:
    return {n["id"] for n in walk(http, limit=500)[0]}


def test_confirmed_post_appears_in_next_get_and_duplicate_is_3989(http: httpx.Client) -> None:
    account = POST_OUTCOMES["confirmed"]
    assert account not in ids_in_list(http)
    assert create(http, adaccount_id=account.removeprefix("act_")).json() == {"access_status": "CONFIRMED"}
    assert account in ids_in_list(http)
    node = listing(http, fields="permitted_tasks", limit=500).json()["data"][-1]
    assert node == {"id": account, "permitted_tasks": ["ADVERTISE", "ANALYZE"]}
    graph_error(create(http, adaccount_id=account), 400, 3989)


def test_pending_post_appears_once_approved(http: httpx.Client) -> None:
    account = POST_OUTCOMES["pending"]
    assert create(http, adaccount_id=account).json() == {"access_status": "PENDING"}
    assert account not in ids_in_list(http)
    graph_error(create(http, adaccount_id=account), 400, 3989)
    assert http.post("/__mock/pending/approve", json={"business_id": AGENCY, "adaccount_id": account}).is_success
    assert account in ids_in_list(http)


@pytest.mark.parametrize(
    "tasks", ['["MANAGE","ANALYZE"]', "['MANAGE','ANALYZE']", "MANAGE,ANALYZE", "MANAGE, ANALYZE", "[MANAGE,ANALYZE]"]
)
def test_permitted_tasks_forms(http: httpx.Client, tasks: str) -> None:
    assert create(http, adaccount_id=POST_OUTCOMES["confirmed"], permitted_tasks=tasks).status_code == 200
    node = listing(http, fields="permitted_tasks", limit=500).json()["data"][-1]
    assert node["permitted_tasks"] == ["MANAGE", "ANALYZE"]


def test_params_in_the_query_and_json_body(http: httpx.Client) -> None:
    response = http.post(
        EDGE, params={"access_token": TOKEN, "adaccount_id": POST_OUTCOMES["confirmed"], "permitted_tasks": '["DRAFT"]'}
    )
    assert response.json() == {"access_status": "CONFIRMED"}
    http.post("/__mock/reset", headers=JSON)
    response = http.post(
        EDGE,
        params={"access_token": TOKEN},
        json={"adaccount_id": POST_OUTCOMES["confirmed"], "permitted_tasks": ["CREATIVE"]},
    )
    assert response.json() == {"access_status": "CONFIRMED"}


@pytest.mark.parametrize("tasks", ['["FLY"]', "MANAGE,FLY", "[]", '{"a": 1}'])
def test_unknown_task_is_100(http: httpx.Client, tasks: str) -> None:
    graph_error(create(http, adaccount_id=POST_OUTCOMES["confirmed"], permitted_tasks=tasks), 400, 100)
    assert POST_OUTCOMES["confirmed"] not in ids_in_list(http)


@pytest.mark.parametrize("account", ["", "act_", "12ab", "act_act_1"])
def test_missing_or_malformed_account_is_100(http: httpx.Client, account: str) -> None:
    params = {"adaccount_id": account} if account else {}
    graph_error(create(http, **params), 400, 100)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"adaccount_id": '),
        ("application/json", b"[1,2]"),
        ("text/plain", b"adaccount_id=1"),
        ("application/x-www-form-urlencoded", b"adaccount_id=\xff\xfe"),
    ],
)
def test_bad_bodies_are_100(http: httpx.Client, content_type: str, body: bytes) -> None:
    response = http.post(EDGE, params={"access_token": TOKEN}, content=body, headers={"content-type": content_type})
    graph_error(response, 400, 100)


def test_concurrent_duplicate_posts_create_one_relation(mockserver: Any) -> None:
    account = POST_OUTCOMES["confirmed"]

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=mockserver.base_url) as client:
            return await asyncio.gather(
                *(client.post(EDGE, params={"access_token": TOKEN}, data={"adaccount_id": account}) for _ in range(20))
            )

    responses = asyncio.run(burst())
    assert sorted(r.status_code for r in responses) == [200] + [400] * 19
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 400} == {3989}
    with mockserver.client() as http:
        assert [n["id"] for n in walk(http, limit=500)[0]].count(account) == 1
