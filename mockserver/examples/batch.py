"""Example payloads of the Graph batch operations for `mockserver examples`: the mock's own answers to batches
(realistic) and boundary answers (edge), for each of the three paths the batch is served at."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from mockserver.world.credentials import AGENCY_BUSINESS_ID, GRAPH_TOKENS, POST_OUTCOMES

if TYPE_CHECKING:
    from mockserver.examples.drawing import Gen
    from mockserver.examples.probe import PayloadProbe

GRAPH_VERSION = "v25.0"
PATHS = {"graphBatch": f"/{GRAPH_VERSION}/", "graphBatchNoSlash": f"/{GRAPH_VERSION}", "graphBatchRoot": "/"}
TOKEN = {"access_token": GRAPH_TOKENS["agency"]}
EDGE = f"{AGENCY_BUSINESS_ID}/client_ad_accounts"
ITEMS = [
    {"method": "GET", "relative_url": f"{EDGE}?fields=name,business{{name}}&limit=2"},
    {"method": "POST", "relative_url": EDGE, "body": f"adaccount_id={POST_OUTCOMES['confirmed']}"},
    {"method": "GET", "relative_url": f"{EDGE}?fields=name&limit=500"},
    {"method": "POST", "relative_url": EDGE, "body": f"adaccount_id={POST_OUTCOMES['graph_3989']}"},
    {"method": "GET", "relative_url": f"{GRAPH_VERSION}/{AGENCY_BUSINESS_ID}/client_ad_acounts"},
    {"method": "GET", "relative_url": f"{EDGE}?ids={{result=first:$.data.*.id}}"},
]
ErrorEdges = Callable[[Callable[[str], "Gen"], str], Iterable[tuple[int, str, Any]]]


async def batch_answers(operation: str, probe: PayloadProbe) -> None:
    """A batch of reads, creates and faulty items in both request forms; each way the batch as a whole fails."""
    path, ask = PATHS[operation], probe.ask
    form = {"batch": json.dumps(ITEMS)}
    await ask(operation, 200, "reads_creates_and_item_errors", path, "POST", params=TOKEN, data=form)
    lean = {"batch": ITEMS[:1], "include_headers": False}
    await ask(operation, 200, "json_body_without_headers", path, "POST", params=TOKEN, json=lean)
    faults = {
        "graph_100_batch_missing": {},
        "graph_100_batch_not_json": {"batch": "[{"},
        "graph_100_batch_not_array": {"batch": '{"method": "GET"}'},
        "graph_100_batch_item_not_object": {"batch": '["GET /me"]'},
        "graph_100_batch_item_without_url": {"batch": '[{"method": "GET"}]'},
        "graph_100_batch_too_many": {"batch": json.dumps(ITEMS[:1] * 51)},
    }
    for name, data in faults.items():
        await ask(operation, 400, name, path, "POST", params=TOKEN, data=data)
    await ask(operation, 400, "graph_104", path, "POST", data=form)
    await ask(operation, 400, "graph_190", path, "POST", params={"access_token": "EAAGnot0a0real0token"}, data=form)
    await ask(
        operation, 400, "graph_190_463", path, "POST", params={"access_token": GRAPH_TOKENS["expired"]}, data=form
    )
    await ask(operation, 400, "graph_100_appsecret_proof", path, "POST", params={**TOKEN, "appsecret_proof": "0" * 64})
    forced = {"Prefer": "example=graph_2500"}
    await ask(operation, 400, "graph_2500", path, "POST", params=TOKEN, data=form, headers=forced)
    await ask(operation, 500, "graph_1", path, "POST", params=TOKEN, data=form, headers={"Prefer": "code=500"})


def batch_edges(
    error_edges: ErrorEdges, operation: str, gen_for: Callable[[str], Gen]
) -> Iterable[tuple[int, str, Any]]:
    """The answer array at its bounds: one bare element, the 50 the contract allows, the extreme status codes."""
    yield 200, "one_element_without_headers", [{"code": 200, "body": '{"data":[]}'}]
    element = {"code": 200, "headers": [{"name": "Content-Type", "value": ""}], "body": '{"access_status":"PENDING"}'}
    yield 200, "fifty_elements", [element] * 50
    yield 200, "status_code_bounds", [{"code": 100, "headers": [], "body": ""}, {"code": 599, "body": "{}"}]
    yield from error_edges(gen_for, operation)
