"""Probes of the request limits the contract documents (`x-limits`, openapi.yaml): a request over one is a client
error in the API's own envelope (KlayrAI 400 `invalid_request`; Graph 400 code 100, never code 1 or transient).
The over-limit POSTs name no ad account, so nothing can be created; they are still POSTs, sent only when writes
are allowed (the GET is sent always)."""

from __future__ import annotations

from typing import Any

from klayrai_conformance.probes import ProbeContext, probe
from klayrai_conformance.probes_graph import edge, expect_error, get
from klayrai_conformance.probes_klayrai import accounts
from klayrai_conformance.probes_klayrai import expect_error as expect_klayrai_error
from mockserver.contract.spec import default_contract


def limits() -> dict[str, Any]:
    return default_contract().spec["x-limits"]


def over(size: int) -> str:
    """A parameter value that takes a request just past `size` bytes."""
    return "x" * (size + 1)


@probe("klayrai.limits", "klayrai")
def klayrai_limits(ctx: ProbeContext) -> None:
    expect_klayrai_error(ctx, accounts(ctx, q=over(limits()["query_bytes"])), 400, "invalid_request")


@probe("graph.limits", "meta")
def graph_limits(ctx: ProbeContext) -> None:
    documented = limits()
    token = {"access_token": ctx.credentials.graph_token}
    exchanges = [get(ctx, limit=1, search_query=over(documented["query_bytes"]))]
    if ctx.writes:
        deep = "[" * (documented["json_depth"] + 1) + "]" * (documented["json_depth"] + 1)
        exchanges += [
            ctx.client.post(edge(ctx), params=token, data={"x": over(documented["body_bytes"])}),
            ctx.client.post(edge(ctx), params=token, data={"permitted_tasks": deep}),
        ]
    for exchange in exchanges:
        error = expect_error(ctx, exchange, 400, 100)
        ctx.expect(not error.get("is_transient"), "a request over a limit is answered as transient", exchange)
