"""KlayrAI edge payloads: boundary pages of `listAccounts` (empty, page and page_size at their bounds, zero and
huge counts, long and non-ASCII names, every status) and minimal or long errors, each Account repaired to respect
the invariants a schema cannot state."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

from mockserver.errors import KLAYRAI_STATUS
from mockserver.examples.drawing import CURRENCIES, DASH, NON_ASCII, ZONES, Gen, long_text, ordered
from mockserver.examples.payload import INT32_MAX, Json


def account(gen: Gen, **fixed: Any) -> Json:
    """A drawn KlayrAI Account, `fixed` fields set, repaired to respect the operation's `x-invariants`."""
    schema = gen.schema("Account")
    value: Json = gen.draw("Account")
    value["timezone"] = gen.rng.choice(ZONES)[0]
    value["currency"] = gen.rng.choice(CURRENCIES)
    value.update(fixed)
    if value["status"] == "closed":
        value["activeCampaignCount"] = 0
    value["activeCampaignCount"] = min(value["activeCampaignCount"], value["campaignCount"])
    value["connectedAt"], value["lastSyncedAt"] = sorted((value["connectedAt"], value["lastSyncedAt"]))
    value["totalSpendLast30d"] = round(value["totalSpendLast30d"], 2)
    return ordered(value, schema)


def accounts(gen: Gen, count: int, **fixed: Any) -> list[Json]:
    """`count` accounts from one draw, distinct ids in page order (same `connectedAt`, ascending `id`)."""
    base = account(gen, **fixed)
    return [
        {**base, "id": f"act_{index + 1:06d}", "metaAccountId": f"act_{meta}"}
        for index, meta in enumerate(gen.ids(count))
    ]


def page(data: list[Json], total: int, number: int, size: int) -> Json:
    return {
        "data": data,
        "pagination": {"total": total, "page": number, "page_size": size, "hasMore": number * size < total},
    }


def list_accounts_edges(gen_for: Callable[[str], Gen]) -> Iterable[tuple[int, str, Any]]:
    contract_gen = gen_for("bounds")
    bounds = {name: contract_gen.param("listAccounts", name) for name in ("page", "page_size", "status")}
    first, last_page = bounds["page"]["minimum"], bounds["page"]["maximum"]
    smallest, largest, default = (bounds["page_size"][k] for k in ("minimum", "maximum", "default"))
    yield 200, "empty_workspace", page([], 0, first, default)
    yield 200, "page_size_min", page(accounts(gen_for("page_size_min"), smallest), 3, first, smallest)
    yield 200, "page_size_max", page(accounts(gen_for("page_size_max"), largest), 2 * largest + 1, first, largest)
    yield 200, "last_page_of_one", page(accounts(gen_for("last_page_of_one"), 1), 2 * largest + 1, 3, largest)
    yield 200, "page_max_past_the_end", page([], 3, last_page, largest)
    exact = accounts(gen_for("last_page_exactly_full"), smallest)
    yield 200, "last_page_exactly_full", page(exact, 3 * smallest, 3, smallest)  # page * page_size == total
    gen = gen_for("zero_counts")
    stamp = gen.draw("Account")["connectedAt"]
    zero = account(
        gen,
        status="active",
        campaignCount=0,
        activeCampaignCount=0,
        totalSpendLast30d=0,
        permissions=[],
        connectedAt=stamp,
        lastSyncedAt=stamp,
    )
    yield 200, "zero_counts", page([zero], 1, first, default)
    big = account(
        gen_for("large_numbers"),
        status="active",
        campaignCount=INT32_MAX,
        activeCampaignCount=INT32_MAX,
        totalSpendLast30d=99_999_999_999.99,
        currency="JPY",
    )
    yield 200, "large_numbers", page([big], INT32_MAX, first, smallest)
    small = account(
        gen_for("fractional_values"),
        totalSpendLast30d=0.01,
        connectedAt="2026-03-10T14:00:00.000001Z",
        lastSyncedAt="2026-03-10T14:00:00.999999Z",
    )
    yield 200, "fractional_values", page([small], 1, first, default)
    named = account(gen_for("long_names"), name=long_text("Long Account Name "), businessName=long_text(NON_ASCII))
    yield 200, "long_names", page([named], 1, first, default)
    unicode = account(
        gen_for("non_ascii_names"), name=NON_ASCII, businessName=f"Müller & Söhne GmbH {DASH} 東京支社 ✨"
    )
    yield 200, "non_ascii_names", page([unicode], 1, first, default)
    statuses = gen.schema("Account")["properties"]["status"]["enum"]
    combos = list(itertools.product(statuses, bounds["status"]["enum"]))
    base = accounts(gen_for("every_status"), len(combos))
    mixed = [
        {
            **acc,
            "status": status,
            "connectionStatus": connection,
            "activeCampaignCount": 0 if status == "closed" else acc["activeCampaignCount"],
        }
        for acc, (status, connection) in zip(base, combos, strict=True)
    ]
    yield 200, "every_status", page(mixed, len(mixed), first, default)
    yield from klayrai_error_edges(gen_for, "listAccounts")


def klayrai_error_edges(gen_for: Callable[[str], Gen], operation: str) -> Iterable[tuple[int, str, Any]]:
    codes = {status: code for code, status in KLAYRAI_STATUS.items()}
    for status in gen_for("bounds").operations[operation].responses:
        if status < 400:
            continue
        code = codes[status]
        yield status, "minimal", {"error": {"code": code, "message": ".", "request_id": "req_0"}}
        gen = gen_for(f"{status}/long_non_ascii_message")
        drawn = gen.draw("KlayraiError")["error"]
        error: Json = {
            "code": code,
            "message": long_text(f"{NON_ASCII} {DASH} {code} "),
            "request_id": drawn["request_id"],
        }
        if status == 400:
            error["message"] = f"Unknown query parameter 'größe'; allowed: status, page, page_size. {error['message']}"
            error["param"] = "größe"
        yield status, "long_non_ascii_message", {"error": error}
