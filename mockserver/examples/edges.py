"""Edge payloads (`edge_<name>`): boundaries from the contract's own bounds and enums, the other fields drawn."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from mockserver.contract.operations import Operations
from mockserver.examples.batch import PATHS as BATCH_PATHS
from mockserver.examples.batch import batch_edges
from mockserver.examples.drawing import Gen, Pools
from mockserver.examples.graph_edges import (
    create_client_ad_account_edges,
    graph_error_edges,
    list_client_ad_accounts_edges,
)
from mockserver.examples.klayrai_edges import list_accounts_edges
from mockserver.examples.payload import Payload

EDGES: dict[str, Callable[[Callable[[str], Gen]], Iterable[tuple[int, str, Any]]]] = {
    "listAccounts": list_accounts_edges,
    "listClientAdAccounts": list_client_ad_accounts_edges,
    "createClientAdAccount": create_client_ad_account_edges,
    **{op: functools.partial(batch_edges, graph_error_edges, op) for op in BATCH_PATHS},
}


def edge_payloads(table: Operations, seed: int, operations: list[str]) -> list[Payload]:
    """Boundary payloads (`edge_<name>`) for the operations that have edge builders."""
    found: list[Payload] = []
    for operation in operations:
        if operation not in EDGES:
            continue

        pools = Pools(table, seed, operation)

        def gen_for(name: str, pools: Pools = pools) -> Gen:
            return Gen(pools, name)

        for status, name, value in EDGES[operation](gen_for):
            found.append(Payload(operation, status, f"edge_{name}", value, "edge"))
    return found
