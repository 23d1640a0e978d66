"""Graph edge payloads: boundary pages of `listClientAdAccounts` (empty, limit at its bounds, only `id`, every
account status, money and task bounds, long, non-ASCII and empty names), every `access_status` of a POST, and
minimal, complete and every-type errors."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from mockserver.errors import graph_status
from mockserver.examples.drawing import CURRENCIES, DASH, NON_ASCII, ZONES, Gen, long_text, ordered
from mockserver.examples.payload import BASE_URL, EDGE_PATH, INT32_MAX, TOKEN, Json
from mockserver.world.clock import EARLIEST_CREATED, NOW_TS


def node(gen: Gen, fields: Iterable[str], **fixed: Any) -> Json:
    """A drawn AdAccount node with exactly `fields` plus `id`, `account_id` agreeing with `id`."""
    schema = gen.schema("AdAccount")
    value: Json = gen.draw("AdAccount", every_property=True)
    value["timezone_name"], value["timezone_offset_hours_utc"] = gen.rng.choice(ZONES)
    value["currency"] = gen.rng.choice(CURRENCIES)
    value["permitted_tasks"] = list(dict.fromkeys(value["permitted_tasks"]))
    moment = datetime.fromtimestamp(gen.rng.randrange(EARLIEST_CREATED, NOW_TS), UTC)
    value["created_time"] = moment.strftime("%Y-%m-%dT%H:%M:%S+0000")  # the pattern alone admits month 86
    value.update(fixed)
    value["account_id"] = value["id"].removeprefix("act_")
    value["business"] = {"id": value["business"]["id"], "name": value["business"].get("name") or "Acme Corporation"}
    return ordered({key: value[key] for key in {"id", *fields}}, schema)


def nodes(gen: Gen, count: int, fields: Iterable[str], **fixed: Any) -> list[Json]:
    base = node(gen, fields, **fixed)
    return [
        {**base, "id": f"act_{digits}", **({"account_id": digits} if "account_id" in base else {})}
        for digits in gen.ids(count)
    ]


def graph_page(gen: Gen, data: list[Json], query: Json, previous: bool, more: bool, total: int | None) -> Json:
    """A Graph page: `paging` exactly when `data` is not empty, links repeating the query with the cursor swapped."""
    body: Json = {"data": data}
    if data:
        first, last = (
            base64.urlsafe_b64encode(f"{gen.rng.randrange(1, 10**6)}.c".encode()).decode().rstrip("=") for _ in range(2)
        )
        paging: Json = {"cursors": {"before": first, "after": last}}
        url = f"{BASE_URL}{EDGE_PATH}?"
        if previous:
            paging["previous"] = url + urlencode({**TOKEN, **query, "before": first})
        if more:
            paging["next"] = url + urlencode({**TOKEN, **query, "after": last})
        body["paging"] = paging
    if total is not None:
        body["summary"] = {"total_count": total}
    return body


def list_client_ad_accounts_edges(gen_for: Callable[[str], Gen]) -> Iterable[tuple[int, str, Any]]:
    op = "listClientAdAccounts"
    bounds = gen_for("bounds")
    limit = bounds.param(op, "limit")
    every_field = bounds.schema("AdAccountField")["enum"]
    default_fields = bounds.operations[op].definition["x-default-fields"]
    yield 200, "empty", {"data": []}
    yield 200, "empty_with_summary", {"data": [], "summary": {"total_count": 0}}
    gen = gen_for("limit_min")
    yield (
        200,
        "limit_min",
        graph_page(
            gen,
            nodes(gen, limit["minimum"], default_fields),
            {"limit": limit["minimum"], "summary": "true"},
            False,
            True,
            2,
        ),
    )
    gen = gen_for("limit_max")
    yield (
        200,
        "limit_max",
        graph_page(gen, nodes(gen, limit["maximum"], default_fields), {"limit": limit["maximum"]}, True, True, None),
    )
    gen = gen_for("only_id")
    yield 200, "only_id", graph_page(gen, nodes(gen, 3, ["id"]), {"fields": "id"}, False, False, None)
    gen = gen_for("every_account_status")
    statuses = gen.schema("AdAccount")["properties"]["account_status"]["enum"]
    every = [
        {
            **n,
            "account_status": status,
            "disable_reason": 0 if status == 1 else n["disable_reason"],
            "timezone_name": ZONES[i % len(ZONES)][0],
            "timezone_offset_hours_utc": ZONES[i % len(ZONES)][1],
        }
        for i, (n, status) in enumerate(zip(nodes(gen, len(statuses), every_field), statuses, strict=True))
    ]
    query = {"fields": ",".join(every_field), "summary": "true"}
    yield 200, "every_account_status", graph_page(gen, every, query, False, False, len(every))
    gen = gen_for("money_and_task_bounds")
    tasks = gen.schema("PermittedTask")["enum"]
    bounded = [
        node(gen, every_field, amount_spent="0", balance="0", spend_cap="0", disable_reason=0, permitted_tasks=[]),
        node(
            gen,
            every_field,
            amount_spent=str(10**18),
            balance="-" + str(10**12),
            spend_cap=str(10**18),
            permitted_tasks=list(tasks),
        ),
    ]
    yield 200, "money_and_task_bounds", graph_page(gen, bounded, {"fields": ",".join(every_field)}, False, False, None)
    gen = gen_for("long_names")
    named = node(
        gen,
        ["name", "business"],
        name=long_text("Long Ad Account Name "),
        business={"id": "1" * 19, "name": long_text(NON_ASCII)},
    )
    yield 200, "long_names", graph_page(gen, [named], {"fields": "name,business"}, False, False, None)
    gen = gen_for("non_ascii_names")
    unicode = node(
        gen, ["name", "business"], name=NON_ASCII, business={"id": "42", "name": f"Müller & Söhne {DASH} 東京"}
    )
    query = {"fields": "name,business", "search_query": "müller", "limit": 1}
    yield 200, "non_ascii_names", graph_page(gen, [unicode], query, True, True, None)
    gen = gen_for("empty_name")
    yield 200, "empty_name", graph_page(gen, [node(gen, ["name"], name="")], {"fields": "name"}, False, False, 1)
    gen = gen_for("summary_max")
    yield (
        200,
        "summary_max",
        graph_page(gen, nodes(gen, 1, default_fields), {"summary": "total_count", "limit": 1}, False, True, INT32_MAX),
    )
    yield from graph_error_edges(gen_for, op)


def create_client_ad_account_edges(gen_for: Callable[[str], Gen]) -> Iterable[tuple[int, str, Any]]:
    for status in gen_for("bounds").schema("AccessStatus")["properties"]["access_status"]["enum"]:
        yield 200, f"access_status_{status.lower()}", {"access_status": status}
    yield from graph_error_edges(gen_for, "createClientAdAccount")


def graph_error_edges(gen_for: Callable[[str], Gen], operation: str) -> Iterable[tuple[int, str, Any]]:
    bounds = gen_for("bounds")
    types = bounds.schema("GraphError")["properties"]["error"]["properties"]["type"]["enum"]
    codes = {graph_status(code): code for code in (1, 200, 100)}
    for status in bounds.operations[operation].responses:
        if status < 400:
            continue
        code = codes[status]
        yield status, "minimal", {"error": {"message": ".", "type": types[0], "code": code, "fbtrace_id": "A"}}
        gen = gen_for(f"{status}/every_field")
        schema = gen.schema("GraphError")["properties"]["error"]
        error = gen.draw("GraphError.error", every_property=True)
        error.update(code=code, error_user_title=f"Titre {DASH} {NON_ASCII}", error_user_msg=long_text(NON_ASCII + " "))
        yield status, "every_field", {"error": ordered(error, schema)}
        if status == 400:
            for kind in types[1:]:
                snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in kind).lstrip("_")
                yield (
                    status,
                    f"type_{snake}",
                    {"error": {"message": f"({code}) {kind}", "type": kind, "code": code, "fbtrace_id": "A-_z9"}},
                )
