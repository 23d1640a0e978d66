"""Realistic payloads: what the mock, run in-process on the seeded world, answers to real requests (pages, filters,
each parameter fault, each credential fault, each POST outcome); responses the world cannot produce (429, 500,
Graph 80004/80000/1150/1) are asked for with the mock's `Prefer: example=`/`code=` control."""

from __future__ import annotations

import asyncio
import functools
import math
from typing import Any

from mockserver.contract.spec import default_contract
from mockserver.examples.batch import PATHS as BATCH_PATHS
from mockserver.examples.batch import batch_answers
from mockserver.examples.payload import ACCOUNTS, EDGE_PATH, GRAPH_VERSION, INT32_MAX, TOKEN, Json, Payload
from mockserver.examples.probe import PayloadProbe, Script, ask_the_mock
from mockserver.settings import Settings
from mockserver.world.credentials import (
    AGENCY_BUSINESS_ID,
    API_KEYS,
    GRAPH_TOKENS,
    OTHER_AGENCY_BUSINESS_ID,
    POST_OUTCOMES,
)


async def list_accounts(probe: PayloadProbe) -> None:
    """KlayrAI: the doc workspace, pages and filters of the big one, each fault in the order of checks."""
    op, ask = "listAccounts", probe.ask
    doc, big = {"x-api-key": API_KEYS["demo"]}, {"x-api-key": API_KEYS["agency"]}
    await ask(op, 200, "seed_page", ACCOUNTS, headers=doc)
    await ask(
        op,
        200,
        "seed_page_2_of_2",
        ACCOUNTS,
        headers={**doc, "klayrai-version": "2026-03-01"},
        params={"page": 2, "page_size": 1},
    )
    await ask(op, 200, "past_the_end", ACCOUNTS, headers=doc, params={"page": 5})
    first = await ask(op, 200, "big_workspace_first_page", ACCOUNTS, headers=big)
    last = max(1, math.ceil(first["pagination"]["total"] / 7))
    await ask(op, 200, "big_workspace_last_page", ACCOUNTS, headers=big, params={"page": last, "page_size": 7})
    await ask(
        op,
        200,
        "big_workspace_token_expired_page_2",
        ACCOUNTS,
        headers=big,
        params={"status": "token_expired", "page": 2, "page_size": 1},
    )
    await ask(
        op, 200, "big_workspace_disconnected", ACCOUNTS, headers=big, params={"status": "disconnected", "page_size": 5}
    )

    faults: dict[str, Any] = {
        "invalid_request_page_size_too_large": {"page_size": 101},
        "invalid_request_page_size_zero": {"page_size": 0},
        "invalid_request_page_zero": {"page": 0},
        "invalid_request_page_not_integer": {"page": "two"},
        "invalid_request_page_too_large": {"page": INT32_MAX + 1},
        "invalid_request_status": {"status": "paused"},
        "invalid_request_unknown_parameter": {"pageSize": 10},
        "invalid_request_repeated_parameter": [("page", "1"), ("page", "2")],
        "invalid_request_first_fault_wins": {"status": "paused", "page": 0, "pageSize": 10},
    }
    for name, params in faults.items():
        await ask(op, 400, name, ACCOUNTS, headers=doc, params=params)
    await ask(op, 400, "invalid_request_version", ACCOUNTS, headers={**doc, "klayrai-version": "2025-01-01"})
    await ask(op, 400, "invalid_request_version_malformed", ACCOUNTS, headers={**doc, "klayrai-version": "latest"})

    await ask(op, 401, "authentication_error_missing", ACCOUNTS)
    await ask(op, 401, "authentication_error", ACCOUNTS, headers={"x-api-key": "klyr_live_doesnotexist0000001"})
    await ask(op, 401, "authentication_error_malformed", ACCOUNTS, headers={"x-api-key": "Bearer abc123"})
    await ask(op, 401, "authentication_error_revoked", ACCOUNTS, headers={"x-api-key": API_KEYS["revoked"]})
    await ask(
        op,
        401,
        "authentication_error_before_parameters",
        ACCOUNTS,
        headers={"x-api-key": API_KEYS["revoked"]},
        params={"page": 0},
    )
    starter = {"x-api-key": API_KEYS["starter"]}
    await ask(op, 403, "plan_insufficient", ACCOUNTS, headers=starter)
    await ask(op, 403, "plan_insufficient_before_parameters", ACCOUNTS, headers=starter, params={"page_size": 500})

    await ask(op, 429, "rate_limit_error", ACCOUNTS, headers={**doc, "Prefer": "example=rate_limit_error"})
    await probe.admin("rate-limits", {"limit": 1, "window": 30, "operation": op})
    await ask(op, 200, None, ACCOUNTS, headers=doc)
    await ask(op, 429, "rate_limit_exceeded", ACCOUNTS, headers=doc)
    await probe.admin("reset")
    await ask(op, 500, "api_error", ACCOUNTS, headers={**doc, "Prefer": "code=500"})


async def graph_errors(probe: PayloadProbe, op: str, method: str, ok: Json) -> None:
    """The Graph errors both operations share: token, business, path, permission, and the forced ones."""
    ask = probe.ask
    await ask(op, 400, "graph_104", EDGE_PATH, method, params={k: v for k, v in ok.items() if k != "access_token"})
    await ask(op, 400, "graph_190", EDGE_PATH, method, params={**ok, "access_token": "EAAGnot0a0real0token"})
    await ask(op, 400, "graph_190_463", EDGE_PATH, method, params={**ok, "access_token": GRAPH_TOKENS["expired"]})
    await ask(op, 400, "graph_100_appsecret_proof", EDGE_PATH, method, params={**ok, "appsecret_proof": "0" * 64})
    await ask(op, 400, "graph_100_33", f"/{GRAPH_VERSION}/9999999999/client_ad_accounts", method, params=ok)
    await ask(
        op,
        400,
        "graph_100_33_other_agency",
        f"/{GRAPH_VERSION}/{OTHER_AGENCY_BUSINESS_ID}/client_ad_accounts",
        method,
        params=ok,
    )
    await ask(op, 400, "graph_2500", f"/{GRAPH_VERSION}/{AGENCY_BUSINESS_ID}/client_ad_acounts", method, params=ok)
    await ask(op, 400, "graph_2500_version", f"/25.0/{AGENCY_BUSINESS_ID}/client_ad_accounts", method, params=ok)
    for name in ("graph_80004", "graph_80000", "graph_1150"):
        await ask(op, 400, name, EDGE_PATH, method, params=ok, headers={"Prefer": f"example={name}"})
    await ask(op, 403, "graph_200", EDGE_PATH, method, params={**ok, "access_token": GRAPH_TOKENS["no_permission"]})
    await ask(op, 500, "graph_1", EDGE_PATH, method, params=ok, headers={"Prefer": "code=500"})


async def list_client_ad_accounts(probe: PayloadProbe) -> None:
    """Graph GET: default fields, every field with summary, the last page, search, and each error."""
    op, ask = "listClientAdAccounts", probe.ask
    every_field = ",".join(default_contract().deref({"$ref": "#/components/schemas/AdAccountField"})["enum"])
    await ask(op, 200, "default_fields", EDGE_PATH, params={**TOKEN, "limit": 2})
    await ask(op, 200, "default_fields_default_limit", EDGE_PATH, params=TOKEN)
    await ask(
        op, 200, "fields_and_summary", EDGE_PATH, params={**TOKEN, "fields": every_field, "summary": "true", "limit": 3}
    )
    total = (await ask(op, 200, None, EDGE_PATH, params={**TOKEN, "summary": "true", "limit": 1}))["summary"]
    last = {**TOKEN, "fields": every_field}
    if total["total_count"] > 2:
        before_last = await ask(op, 200, None, EDGE_PATH, params={**TOKEN, "limit": total["total_count"] - 2})
        last["after"] = before_last["paging"]["cursors"]["after"]
    await ask(op, 200, "last_page", EDGE_PATH, params=last)
    await ask(
        op,
        200,
        "search_query",
        EDGE_PATH,
        params={**TOKEN, "search_query": "acme", "fields": "name", "summary": "total_count"},
    )
    await ask(op, 200, "empty", EDGE_PATH, params={**TOKEN, "search_query": "no such account", "summary": "true"})

    await ask(op, 400, "graph_100_field", EDGE_PATH, params={**TOKEN, "fields": "name,colour"})
    await ask(op, 400, "graph_100_cursor", EDGE_PATH, params={**TOKEN, "after": "bm90LWEtY3Vyc29y"})
    await ask(op, 400, "graph_100_limit", EDGE_PATH, params={**TOKEN, "limit": 501})
    await ask(op, 400, "graph_100_limit_zero", EDGE_PATH, params={**TOKEN, "limit": 0})
    await ask(op, 400, "graph_100_summary", EDGE_PATH, params={**TOKEN, "summary": "yes"})
    await graph_errors(probe, op, "GET", TOKEN)
    await probe.admin("rate-limits", {"limit": 1, "window": 30, "operation": op})
    await ask(op, 200, None, EDGE_PATH, params=TOKEN)
    await ask(op, 400, "graph_80004_rate_limited", EDGE_PATH, params=TOKEN)
    await probe.admin("reset")


async def create_client_ad_account(probe: PayloadProbe) -> None:
    """Graph POST: every outcome of `mockserver.world.generator.POST_OUTCOMES`, each parameter fault, and each error."""
    op, ask = "createClientAdAccount", probe.ask
    for name, account in POST_OUTCOMES.items():
        status = 200 if name in ("confirmed", "pending") else 400
        await ask(
            op,
            status,
            name,
            EDGE_PATH,
            "POST",
            params={**TOKEN, "adaccount_id": account, "permitted_tasks": '["ADVERTISE","ANALYZE"]'},
        )
    confirmed = POST_OUTCOMES["confirmed"]
    form = {**TOKEN, "adaccount_id": confirmed, "permitted_tasks": '["MANAGE","ANALYZE"]'}
    await ask(op, 200, "confirmed_form_body", EDGE_PATH, "POST", data=form)
    await ask(
        op,
        200,
        "confirmed_json_body",
        EDGE_PATH,
        "POST",
        json={**TOKEN, "adaccount_id": confirmed, "permitted_tasks": ["ADVERTISE"]},
    )
    await ask(
        op,
        200,
        "confirmed_digits_only_id",
        EDGE_PATH,
        "POST",
        params={**TOKEN, "adaccount_id": confirmed.removeprefix("act_")},
    )
    ok = {**TOKEN, "adaccount_id": confirmed}
    await ask(op, 200, None, EDGE_PATH, "POST", params=ok)
    await ask(op, 400, "graph_3989_after_confirmed", EDGE_PATH, "POST", params=ok, reset=False)  # the same again
    await ask(op, 400, "graph_100_post_33", EDGE_PATH, "POST", params={**TOKEN, "adaccount_id": "act_404404404"})
    await ask(op, 400, "graph_100_task", EDGE_PATH, "POST", params={**ok, "permitted_tasks": '["MANAGE","FLY"]'})
    await ask(op, 400, "graph_100_required", EDGE_PATH, "POST", params=TOKEN)
    await ask(op, 400, "graph_100_adaccount_id", EDGE_PATH, "POST", params={**TOKEN, "adaccount_id": "acct-1"})
    await ask(
        op,
        400,
        "graph_100_content_type",
        EDGE_PATH,
        "POST",
        params=TOKEN,
        content=b"adaccount_id=act_1",
        headers={"content-type": "text/plain"},
    )
    await ask(
        op,
        400,
        "graph_100_json_body",
        EDGE_PATH,
        "POST",
        params=TOKEN,
        content=b"[1, 2",
        headers={"content-type": "application/json"},
    )
    await graph_errors(probe, op, "POST", ok)


REALISTIC: dict[str, Script] = {
    "listAccounts": list_accounts,
    "listClientAdAccounts": list_client_ad_accounts,
    "createClientAdAccount": create_client_ad_account,
    **{operation: functools.partial(batch_answers, operation) for operation in BATCH_PATHS},
}


def realistic_payloads(settings: Settings, operations: list[str]) -> list[Payload]:
    """The mock's answers for the operations that have a script."""
    return asyncio.run(ask_the_mock(settings, REALISTIC, [op for op in operations if op in REALISTIC]))
