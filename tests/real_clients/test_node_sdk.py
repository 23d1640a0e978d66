"""The official Meta Node SDK (facebook-nodejs-business-sdk, pinned in node/package-lock.json beside this file) as a
client of the mock on a real socket, pointed at it by its base URL only (node/graph_client.js says how).

The SDK is installed by this module itself into node/node_modules (ignored by git): `npm ci` once, again only
when the lock file changes. Skipped only when `node` or `npm` is not on the machine; CI installs both.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.testing import RunningMock
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import AGENCY, EDGE, EXPIRED_TOKEN, TOKEN
from tests.real_parts import npm_install, require

NODE_DIR = Path(__file__).parent / "node"
CLIENT = NODE_DIR / "graph_client.js"
Node = Callable[..., Any]


@pytest.fixture(scope="session")
def node_sdk() -> Node:
    node = require("node")
    npm_install(NODE_DIR)

    def run(base_url: str, scenario: str, **arguments: Any) -> Any:
        done = subprocess.run(
            [node, str(CLIENT), base_url, scenario, json.dumps(arguments)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


def edge_nodes(http: httpx.Client, fields: str) -> list[dict[str, Any]]:
    """Every node of the agency's edge in one plain request, for comparison."""
    return http.get(EDGE, params={"access_token": TOKEN, "fields": fields, "limit": 500}).json()["data"]


def test_cursor_follows_paging_next_to_the_end(node_sdk: Node, mockserver: RunningMock, http: httpx.Client) -> None:
    result = node_sdk(mockserver.base_url, "walk", token=TOKEN, business=AGENCY, fields=["name", "currency"], limit=40)
    expected = edge_nodes(http, "name,currency")
    assert result["nodes"] == expected and len(expected) > 100
    assert result["nodes"][0] == {"id": "act_123456789", "name": "Acme Corp - Main", "currency": "EUR"}
    pages = [e for e in mockserver.journal("listClientAdAccounts", 200, limit=1000) if "limit=40" in e["query"]]
    assert result["pages"] == len(pages) == -(-len(expected) // 40)  # it stopped on the last page, no extra call
    assert all("access_token=" in e["query"] for e in pages)  # each `next` carried the token, used verbatim


def test_post_through_api_call_then_list(node_sdk: Node, mockserver: RunningMock, http: httpx.Client) -> None:
    account = POST_OUTCOMES["confirmed"]
    params = {"adaccount_id": account, "permitted_tasks": ["MANAGE", "DRAFT"]}  # a JSON body, arrays as arrays
    edge = [AGENCY, "client_ad_accounts"]
    result = node_sdk(mockserver.base_url, "call", token=TOKEN, method="POST", path=edge, params=params)
    assert result == {"response": {"access_status": "CONFIRMED"}}
    assert {"id": account, "permitted_tasks": ["MANAGE", "DRAFT"]} in edge_nodes(http, "permitted_tasks")


@pytest.mark.parametrize(
    ("token", "account", "status", "code", "subcode", "kind"),
    [
        (TOKEN, POST_OUTCOMES["graph_3989"], 400, 3989, None, "OAuthException"),
        (TOKEN, "act_1", 400, 100, 33, "GraphMethodException"),
        (EXPIRED_TOKEN, POST_OUTCOMES["confirmed"], 400, 190, 463, "OAuthException"),
    ],
)
def test_errors_surface_as_facebook_request_error(
    node_sdk: Node,
    mockserver: RunningMock,
    token: str,
    account: str,
    status: int,
    code: int,
    subcode: int | None,
    kind: str,
) -> None:
    edge = [AGENCY, "client_ad_accounts"]
    result = node_sdk(
        mockserver.base_url, "call", token=token, method="POST", path=edge, params={"adaccount_id": account}
    )
    error = result["error"]
    assert error["name"] == "FacebookRequestError"
    assert (error["status"], error["code"], error.get("error_subcode"), error["type"]) == (status, code, subcode, kind)
    assert error["www_authenticate"].startswith('OAuth "Facebook Platform" ')


def test_batch_answers_each_item_as_if_sent_alone(node_sdk: Node, mockserver: RunningMock, http: httpx.Client) -> None:
    account = POST_OUTCOMES["confirmed"]
    edge = [AGENCY, "client_ad_accounts"]
    calls = [
        ["GET", edge, {"fields": "name", "limit": 2}],
        ["POST", edge, {"adaccount_id": account, "permitted_tasks": ["ANALYZE"]}],
        ["GET", edge, {"fields": "permitted_tasks", "limit": 500}],
    ]
    alone = http.get(EDGE, params={"fields": "name", "limit": 2, "access_token": TOKEN}).json()
    result = node_sdk(mockserver.base_url, "batch", token=TOKEN, calls=calls)
    first, created, after = result["answers"]
    assert result["retry"] is False
    assert first["status"] == 200 and first["body"]["data"] == alone["data"]
    assert created == {"status": 200, "body": {"access_status": "CONFIRMED"}}
    assert after["status"] == 200 and {"id": account, "permitted_tasks": ["ANALYZE"]} in after["body"]["data"]
