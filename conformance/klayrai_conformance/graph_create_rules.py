"""Graph rules of the POST (createClientAdAccount) as pure functions of one exchange, as in `graph_rules`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from klayrai_conformance.exchange import Exchange
from klayrai_conformance.graph_rules import error_of, vocabulary


def _create_param(exchange: Exchange, name: str) -> Any:
    in_query = exchange.query_values(name)
    if in_query:
        return in_query[-1]
    value = exchange.body_params().get(name)
    return value[-1] if isinstance(value, list) and exchange.content_type != "application/json" else value


def create_missing_account(exchange: Exchange) -> list[str]:
    if exchange.method != "POST" or exchange.status >= 300 or error_of(exchange) is not None:
        return []
    if _create_param(exchange, "adaccount_id") in (None, ""):
        return [f"HTTP {exchange.status} for a POST without adaccount_id"]
    return []


def requested_tasks(value: Any) -> list[str] | None:
    """`permitted_tasks` as the contract lets a client write it: a JSON array (a real one in a JSON body, else as
    text), the same with single quotes, or a plain comma list; None when it is none of these."""
    if isinstance(value, list):
        return [str(task) for task in value]
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text.startswith("["):
        return [part.strip() for part in text.split(",")]
    for attempt in (text, text.replace("'", '"')):
        try:
            decoded = json.loads(attempt)
        except ValueError:
            continue
        return [str(task) for task in decoded] if isinstance(decoded, list) else None
    return None


def unknown_task(exchange: Exchange) -> list[str]:
    """Flags a success only when every place that carries `permitted_tasks` names an unknown task: which of the
    query and the body wins when both carry it is not part of the contract."""
    if exchange.method != "POST" or exchange.status >= 300 or error_of(exchange) is not None:
        return []
    sources = [requested_tasks(value) for value in exchange.query_values("permitted_tasks")]
    in_body = exchange.body_params().get("permitted_tasks")
    if in_body is not None:  # JSON: the list itself; form: each value is text to read
        json_body = exchange.content_type == "application/json"
        sources += [requested_tasks(in_body)] if json_body else [requested_tasks(value) for value in in_body]
    if None in sources:
        return []  # a value that is no list of tasks at all: a malformed request, not this rule's case
    known = vocabulary().tasks
    unknown = [[t for t in tasks if t not in known] for tasks in sources]
    if sources and all(unknown):
        return [f"HTTP {exchange.status} for a POST with unknown permitted_tasks {unknown[0]}"]
    return []


CREATE_RULES: dict[str, Callable[[Exchange], list[str]]] = {
    "graph.create_missing_account": create_missing_account,
    "graph.unknown_task": unknown_task,
}
