"""Graph probes of the wire: the exact spelling of `summary`, the fields of every error, hostile input,
`suppress_http_code`, and CORS for a browser calling Graph directly (a preflight without a token)."""

from __future__ import annotations

from klayrai_conformance import graph_rules as rules
from klayrai_conformance import wire_rules
from klayrai_conformance.probes import ProbeContext, hostile, probe
from klayrai_conformance.probes_graph import UNKNOWN_TOKEN, edge, expect_error, expect_list, get

ORIGIN = "http://localhost:5173"
SUMMARY_SPELLINGS = ("TRUE", "True", "Total_Count")


@probe("graph.enum_case", "meta")
def enum_case(ctx: ProbeContext) -> None:
    for spelling in SUMMARY_SPELLINGS:
        expect_error(ctx, get(ctx, limit=1, summary=spelling), 400, 100)


@probe("graph.hostile_input", "meta")
def hostile_input(ctx: ProbeContext) -> None:
    query = {"access_token": ctx.credentials.graph_token, "limit": "2"}
    reference = expect_list(get(ctx, limit=2))[0]
    for label, value in wire_rules.HOSTILE_VALUES.items():
        for name in ("search_query", "fields", "after", "conformance_extra"):
            exchange = hostile(ctx, "meta", edge(ctx), {**query, name: value})
            if exchange is not None and name == "conformance_extra" and exchange.status == 200:
                same = (rules.listing(exchange) or ([None], {}))[0] == reference
                ctx.expect(same, f"an unknown parameter ({label}) is not ignored: other nodes", exchange)
            elif exchange is not None and name == "conformance_extra":
                ctx.fail(f"an unknown parameter ({label}) got HTTP {exchange.status}; Graph ignores it", exchange)
    raw = f"{edge(ctx)}?access_token={ctx.credentials.graph_token}&search_query={wire_rules.INVALID_UTF8}"
    hostile(ctx, "meta", raw)


@probe("graph.suppress_http_code", "meta")
def suppress_http_code(ctx: ProbeContext) -> None:
    for case in ({"token": UNKNOWN_TOKEN, "limit": 1}, {"token": None, "limit": 1}, {"fields": "colour"}):
        plain = get(ctx, **case)
        suppressed = get(ctx, **case, suppress_http_code="1")
        if not ctx.expect(plain.status >= 400, f"the reference request got HTTP {plain.status}", plain):
            continue
        ctx.expect_status(suppressed, 200, f"suppress_http_code=1 on an error of HTTP {plain.status}")
        strip = {"fbtrace_id"}
        a, b = rules.error_of(plain) or {}, rules.error_of(suppressed) or {}
        same = {k: v for k, v in a.items() if k not in strip} == {k: v for k, v in b.items() if k not in strip}
        ctx.expect(same and bool(b), "suppress_http_code=1 changed the error body", suppressed)


@probe("graph.cors", "meta")
def cors(ctx: ProbeContext) -> None:
    for method, asked in (("GET", ["authorization"]), ("POST", ["content-type"])):
        headers = {"Access-Control-Request-Method": method, "Access-Control-Request-Headers": ", ".join(asked)}
        preflight = ctx.client.request("OPTIONS", edge(ctx), headers={"Origin": ORIGIN, **headers})
        for problem in wire_rules.cors_preflight(preflight, method, asked):
            ctx.fail(problem, preflight)
    for token in (ctx.credentials.graph_token, None):
        exchange = get(ctx, token=token, limit=1, headers={"Origin": ORIGIN})
        for problem in wire_rules.cors_exposed(exchange, "listClientAdAccounts"):
            ctx.fail(problem, exchange)


@probe("graph.error_fields", "meta", passive=True)
def error_fields(ctx: ProbeContext) -> None:
    get(ctx, token=None, limit=1)
    get(ctx, limit=0)
    klayrai = ctx.url("klayrai", "/v1/")
    graph = ctx.client.exchanges(lambda e: e.url.startswith(ctx.target.graph_url) and not e.url.startswith(klayrai))
    for exchange in graph:
        for problem in wire_rules.graph_error_fields(exchange):
            ctx.fail(problem, exchange)
