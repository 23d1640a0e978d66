"""The official Meta Python SDK (facebook-business 26.x) as a client of the mock, pointed at it by its base URL only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from facebook_business.adobjects.business import Business
from facebook_business.api import FacebookAdsApi
from facebook_business.exceptions import FacebookRequestError
from facebook_business.session import FacebookSession

from mockserver.testing import RunningMock
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import AGENCY, EXPIRED_TOKEN, NOPERM_TOKEN, TOKEN


@pytest.fixture
def sdk(mockserver: RunningMock) -> Iterator[Any]:
    """An SDK session on the mock, with the app secret (so every call carries appsecret_proof)."""
    original = FacebookSession.GRAPH
    FacebookSession.GRAPH = mockserver.base_url
    secret = mockserver.credentials()["app_secret"]

    def make(token: str = TOKEN) -> FacebookAdsApi:
        return FacebookAdsApi.init(
            app_id="1", app_secret=secret, access_token=token, crash_log=False, api_version="v25.0"
        )

    try:
        yield make
    finally:
        FacebookSession.GRAPH = original


def test_cursor_walks_every_page_and_total_matches(sdk: Any, mockserver: RunningMock) -> None:
    api = sdk()
    cursor = Business(AGENCY, api=api).get_client_ad_accounts(fields=["name", "currency"], params={"limit": 17})
    nodes = list(cursor)
    assert cursor.total() == len(nodes) == len({n["id"] for n in nodes}) > 100
    assert nodes[0]["name"] == "Acme Corp - Main" and nodes[0]["currency"] == "EUR"
    pages = mockserver.journal("listClientAdAccounts", 200, limit=1000)
    assert len(pages) == -(-len(nodes) // 17)  # it stopped on the last page, without an extra call
    assert all("appsecret_proof=" in e["query"] and "summary=true" in e["query"] for e in pages)


def test_post_through_api_call_then_list(sdk: Any) -> None:
    api = sdk()
    account = POST_OUTCOMES["confirmed"]
    response = api.call(
        "POST",
        (AGENCY, "client_ad_accounts"),
        params={"adaccount_id": account, "permitted_tasks": ["MANAGE", "ADVERTISE"]},
    )
    assert response.json() == {"access_status": "CONFIRMED"}
    with pytest.warns(UserWarning, match="does not allow field permitted_tasks"):  # an edge field the SDK lacks
        cursor = Business(AGENCY, api=api).get_client_ad_accounts(fields=["permitted_tasks"], params={"limit": 500})
    nodes = list(cursor)
    assert {"id": account, "permitted_tasks": ["MANAGE", "ADVERTISE"]} in [dict(n) for n in nodes]


@pytest.mark.parametrize(
    ("token", "case", "code", "kind", "status"),
    [
        (TOKEN, "graph_3989", 3989, "OAuthException", 400),
        (TOKEN, "graph_3946", 3946, "OAuthException", 400),
        (NOPERM_TOKEN, "confirmed", 200, "OAuthException", 403),
        (EXPIRED_TOKEN, "confirmed", 190, "OAuthException", 400),
    ],
)
def test_errors_surface_as_facebook_request_error(
    sdk: Any, token: str, case: str, code: int, kind: str, status: int
) -> None:
    with pytest.raises(FacebookRequestError) as caught:
        sdk(token).call("POST", (AGENCY, "client_ad_accounts"), params={"adaccount_id": POST_OUTCOMES[case]})
    error = caught.value
    assert (error.api_error_code(), error.api_error_type(), error.http_status()) == (code, kind, status)


def test_forced_error_reaches_the_sdk(sdk: Any, mockserver: RunningMock) -> None:
    mockserver.arm({"name": "throttle", "operation": "listClientAdAccounts", "respond": {"example": "graph_80004"}})
    with pytest.raises(FacebookRequestError) as caught:
        list(Business(AGENCY, api=sdk()).get_client_ad_accounts(fields=["name"]))
    error = caught.value
    assert (error.api_error_code(), error.api_error_subcode(), error.http_status()) == (80004, 2446079, 400)
    assert error.api_transient_error() is True


def test_batch_of_two_edge_reads_and_a_post(sdk: Any, mockserver: RunningMock) -> None:
    """`api.new_batch()`: the SDK posts `batch=<JSON>` to `/v25.0/` and calls each item's success or failure callback
    with that item's own answer."""
    api = sdk()
    batch = api.new_batch()
    seen: dict[str, Any] = {}

    def on(name: str, ok: bool) -> Any:
        return lambda response: seen.setdefault(name, (ok, response))

    business = Business(AGENCY, api=api)
    business.get_client_ad_accounts(fields=["name"], params={"limit": 2}, batch=batch, success=on("page", True),
                                    failure=on("page", False))  # fmt: skip
    Business("9999999999", api=api).get_client_ad_accounts(
        fields=["name"], batch=batch, success=on("unknown", True), failure=on("unknown", False)
    )
    batch.add("POST", (AGENCY, "client_ad_accounts"), params={"adaccount_id": POST_OUTCOMES["graph_3989"]},
              success=on("duplicate", True), failure=on("duplicate", False))  # fmt: skip
    assert batch.execute() is None  # no item answered null: nothing to retry

    ok, page = seen["page"]
    assert ok and page.status() == 200
    assert [node["name"] for node in page.json()["data"]] == ["Acme Corp - Main", "Acme Corp - EU Market"]
    assert page.json()["paging"]["next"].startswith(mockserver.base_url)
    for name, code, subcode in (("unknown", 100, 33), ("duplicate", 3989, None)):
        ok, response = seen[name]
        assert not ok and response.status() == 400
        error = response.error()
        assert (error.api_error_code(), error.api_error_subcode()) == (code, subcode)
    entries = mockserver.journal(limit=4)
    assert (entries[0]["method"], entries[0]["path"]) == ("POST", "/v25.0/")
    assert [e["operation_id"] for e in entries] == [
        "graphBatch",
        "createClientAdAccount",
        "listClientAdAccounts",
        "listClientAdAccounts",
    ]
