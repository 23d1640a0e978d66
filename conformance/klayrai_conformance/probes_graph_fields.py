"""Graph probe of field expansion on `business` (`fields=business{name}`), and of the errors around it."""

from __future__ import annotations

from klayrai_conformance.probes import ProbeContext, probe
from klayrai_conformance.probes_graph import expect_error, expect_list, get


@probe("graph.field_expansion", "meta", needs=("graph_token", "graph_business"))
def field_expansion(ctx: ProbeContext) -> None:
    for fields, keys in (("name,business{name}", ["id", "name"]), ("business{id}", ["id"])):
        exchange = get(ctx, fields=fields, limit=5)
        nodes, _ = expect_list(exchange)
        for node in nodes:
            business = node.get("business")
            ctx.expect(
                isinstance(business, dict) and sorted(business) == keys,
                f"fields={fields}: business is {business!r}, expected exactly the keys {keys}",
                exchange,
            )
    for fields in ("name{id}", "business{id", "business.limit(5)"):
        expect_error(ctx, get(ctx, fields=fields), 400, 100)
