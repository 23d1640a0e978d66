"""What Graph's answers look like: an ad account node with the fields asked for, the headers real Graph sends on
every answer (usage included), and its wording of times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.apis.graph.fields import sub_fields
from mockserver.exchange import encode
from mockserver.world.records import AdAccount, Relation

Json = dict[str, Any]

# What real Graph sends on every answer (docs/decisions.md); browser apps call Graph directly.
GRAPH_HEADERS = {
    "Cache-Control": "private, no-cache, no-store, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "Sat, 01 Jan 2000 00:00:00 GMT",
    "Access-Control-Allow-Origin": "*",
}


def render_node(account: AdAccount, relation: Relation, fields: tuple[str, ...], world: Any) -> Json:
    """An AdAccount node with exactly `fields` (plus `id`, always first); `fields` are specs of `parse_fields`."""
    node: Json = {"id": account.id}
    for name in fields:
        if name == "id":
            continue
        if name == "account_id":
            node[name] = account.account_id
        elif name.startswith("business"):
            owner = world.businesses[account.owner_business_id]
            name, wanted = sub_fields(name)
            node[name] = {key: getattr(owner, key) for key in wanted}
        elif name == "permitted_tasks":
            node[name] = list(relation.permitted_tasks)
        else:
            node[name] = getattr(account, name)
    return node


def usage_json(business_id: str, percent: int, regain: int) -> str:
    """`X-Business-Use-Case-Usage` for one business: percentages of the window used, minutes to regain access."""
    entry = {
        "type": "ads_management",
        "call_count": percent,
        "total_cputime": percent // 2,
        "total_time": percent // 2,
        "estimated_time_to_regain_access": regain,
    }
    return encode({business_id: [entry]}).decode()


def app_usage_json(percent: int) -> str:
    """`x-app-usage`, the app-level twin of `X-Business-Use-Case-Usage`: the same percentages."""
    return encode({"call_count": percent, "total_cputime": percent // 2, "total_time": percent // 2}).decode()


def graph_time(rfc3339: str) -> str:
    """`2026-06-08T14:00:00Z` -> `Monday, 08-Jun-26 14:00:00 UTC`, as Graph words token expiry."""
    moment = datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))
    return moment.strftime("%A, %d-%b-%y %H:%M:%S UTC")
