"""KlayrAI probes of the wire: the exact spelling of the `status` filter, the fields of every error, hostile input,
and CORS for a browser (a preflight without a key, the headers it may read)."""

from __future__ import annotations

from klayrai_conformance import wire_rules
from klayrai_conformance.probes import ProbeContext, hostile, probe
from klayrai_conformance.probes_klayrai import PATH, accounts, expect_error, klayrai_exchanges

ORIGIN = "http://localhost:5173"  # a front end on another localhost port
STATUS_SPELLINGS = ("ACTIVE", "Active", "active ", "Token_Expired")


@probe("klayrai.filter.status_case", "klayrai")
def status_case(ctx: ProbeContext) -> None:
    for spelling in STATUS_SPELLINGS:
        expect_error(ctx, accounts(ctx, status=spelling, page_size="1"), 400, "invalid_request", "status")


@probe("klayrai.hostile_input", "klayrai")
def hostile_input(ctx: ProbeContext) -> None:
    headers = {"x-api-key": ctx.credentials.klayrai_key}
    base = ctx.url("klayrai", PATH)
    for label, value in wire_rules.HOSTILE_VALUES.items():
        for name in ("status", "page", "conformance_extra"):
            exchange = hostile(ctx, "klayrai", base, {name: value, "page_size": "1"}, headers)
            if exchange is not None and exchange.status == 200:
                ctx.fail(f"{name} = {label}: accepted (HTTP 200); expected 400 invalid_request", exchange)
    hostile(ctx, "klayrai", f"{base}?status={wire_rules.INVALID_UTF8}", headers=headers)


@probe("klayrai.cors", "klayrai")
def cors(ctx: ProbeContext) -> None:
    url = ctx.url("klayrai", PATH)
    asked = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-api-key, klayrai-version"}
    preflight = ctx.client.request("OPTIONS", url, headers={"Origin": ORIGIN, **asked})
    for problem in wire_rules.cors_preflight(preflight, "GET", ["x-api-key", "klayrai-version"]):
        ctx.fail(problem, preflight)
    for key in ("", None):
        exchange = accounts(ctx, key, page_size="1", headers={"Origin": ORIGIN})
        for problem in wire_rules.cors_exposed(exchange, "listAccounts"):
            ctx.fail(problem, exchange)


@probe("klayrai.envelope.fields", "klayrai", passive=True)
def envelope_fields(ctx: ProbeContext) -> None:
    key = {"x-api-key": ctx.credentials.klayrai_key}
    if ctx.writes:  # a 405 is provoked with a DELETE: never sent to a read-only target
        ctx.client.request("DELETE", ctx.url("klayrai", PATH), headers=key)
    ctx.client.get(ctx.url("klayrai", "/v1/acounts"), headers=key)
    accounts(ctx, "klyr_live_conformance0unknown0key", page="0")
    for exchange in klayrai_exchanges(ctx):
        for problem in wire_rules.klayrai_error_fields(exchange):
            ctx.fail(problem, exchange)
