"""Graph probes: the rules of the client_ad_accounts edge that need requests of their own, one probe per rule id.

The token goes in the query string, as the official SDKs send it (POST included). Paging links are followed only
when they point back at the target: a wrong host is reported, never called. Paging probes: `probes_graph_paging`;
POST probes: `probes_graph_writes`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from klayrai_conformance import graph_rules as rules
from klayrai_conformance.exchange import Exchange, Violation
from klayrai_conformance.probes import ProbeContext, Skip, probe

Json = dict[str, Any]
UNKNOWN_TOKEN = "EAAGconformance0unknown0token"
UNKNOWN_BUSINESS = "999999999999999"
FORGED_CURSOR = "Y29uZm9ybWFuY2UtZm9yZ2Vk"  # base64 of "conformance-forged"
NO_SUCH_NAME = "conformance-kit-no-such-account-name-7f3a"
MAX_WALK_PAGES = 200
WALK_LIMIT = 100
_DEFAULT = object()


@dataclass
class CursorWalk:
    nodes: list[Json]
    pages: list[Exchange]
    total: int | None


def edge(ctx: ProbeContext, business: str | None = None, name: str = "client_ad_accounts") -> str:
    business = business or ctx.credentials.graph_business
    return ctx.url("meta", f"/{ctx.target.graph_version}/{business}/{name}")


def get(ctx: ProbeContext, token: Any = _DEFAULT, headers: dict[str, str] | None = None, **params: Any) -> Exchange:
    """GET the edge with the run's token in the query (`token=None`: no token at all)."""
    url = params.pop("url", None) or edge(ctx, params.pop("business", None))
    token = ctx.credentials.graph_token if token is _DEFAULT else token
    if token is not None:
        params = {"access_token": token, **params}
    return ctx.client.get(url, params=params, headers=headers)


def post(ctx: ProbeContext, **form: Any) -> Exchange:
    """POST the edge as the SDK does: token in the query, parameters in a form body."""
    return ctx.client.post(edge(ctx), params={"access_token": ctx.credentials.graph_token}, data=form)


def expect_list(exchange: Exchange) -> tuple[list[Json], Json]:
    if exchange.status != 200:
        raise Violation(f"expected HTTP 200 for a valid request, got {exchange.status}", exchange)
    page = rules.listing(exchange)
    if page is None:
        raise Violation("the 200 body is not {data: [...], ...}", exchange)
    return page


def expect_error(ctx: ProbeContext, exchange: Exchange, status: int, code: int, subcode: int | None = None) -> Json:
    error = rules.error_of(exchange) or {}
    got = (exchange.status, error.get("code"), error.get("error_subcode"))
    ctx.expect(
        got == (status, code, subcode), f"expected HTTP {status} code {code} subcode {subcode}; got {got}", exchange
    )
    return error


def apply(ctx: ProbeContext, function: Any, exchanges: list[Exchange]) -> None:
    for exchange in exchanges:
        for problem in function(exchange):
            ctx.fail(problem, exchange)


def walk(ctx: ProbeContext, limit: int = WALK_LIMIT, **params: Any) -> CursorWalk:
    """Follow `after` from the first page, as the Python SDK does, until a page has no `next`."""
    first = get(ctx, limit=limit, summary="true", **params)
    nodes, body = expect_list(first)
    total = body.get("summary", {}).get("total_count") if isinstance(body.get("summary"), dict) else None
    pages, seen = [first], list(nodes)
    budget = min(MAX_WALK_PAGES, math.ceil((total or 0) / limit) + 2) if isinstance(total, int) else MAX_WALK_PAGES
    while "next" in (body.get("paging") or {}):
        if len(pages) >= budget:
            raise Violation(f"the cursor walk does not end: {len(pages)} pages of {limit} for {total} nodes", pages[-1])
        cursor = (body["paging"].get("cursors") or {}).get("after")
        exchange = get(ctx, limit=limit, summary="true", after=cursor, **params)
        nodes, body = expect_list(exchange)
        known = {node.get("id") for node in seen}
        repeated = [node.get("id") for node in nodes if node.get("id") in known]
        if repeated:
            raise Violation(
                f"page {len(pages) + 1} repeats nodes of earlier pages (the cursor loops): {repeated[:3]}", exchange
            )
        pages.append(exchange)
        seen += nodes
    return CursorWalk(seen, pages, total)


def names_walk(ctx: ProbeContext) -> CursorWalk:
    return ctx.once("graph.walk", lambda: walk(ctx, fields="name"))


def some_nodes(ctx: ProbeContext, exchange: Exchange) -> list[Json]:
    nodes, _ = expect_list(exchange)
    if not nodes:
        raise Skip("the business has no client ad accounts to look at")
    return nodes


# ---- GET: nodes


@probe("graph.default_fields", "meta")
def default_fields(ctx: ProbeContext) -> None:
    exchange = get(ctx, limit=10)
    some_nodes(ctx, exchange)
    apply(ctx, rules.default_fields, [exchange, get(ctx, limit=10, fields="")])


@probe("graph.fields_projection", "meta")
def fields_projection(ctx: ProbeContext) -> None:
    every = sorted(rules.vocabulary().fields)
    for fields in (["name"], ["id"], ["business", "permitted_tasks", "currency"], every):
        exchange = get(ctx, limit=5, fields=",".join(fields))
        some_nodes(ctx, exchange)
        apply(ctx, rules.fields_projection, [exchange])


@probe("graph.account_id_matches_id", "meta")
def account_id_matches_id(ctx: ProbeContext) -> None:
    apply(ctx, rules.account_id_matches_id, [get(ctx, limit=100, fields="account_id,name")])


@probe("graph.limit", "meta")
def limit(ctx: ProbeContext) -> None:
    for value in (1, 3, None):
        exchange = get(ctx, **({"limit": value} if value else {}))
        some_nodes(ctx, exchange)
        apply(ctx, rules.limit, [exchange])


@probe("graph.search_query", "meta")
def search_query(ctx: ProbeContext) -> None:
    named = [n for n in names_walk(ctx).nodes if isinstance(n.get("name"), str) and len(n["name"]) >= 4]
    if not named:
        raise Skip("no client ad account with a name to search for")
    name = named[len(named) // 2]["name"]
    needle = max(name.split(), key=len)[:12].swapcase()
    expected = {n.get("id") for n in named if needle.casefold() in n["name"].casefold()}
    result = walk(ctx, fields="name", search_query=needle)
    apply(ctx, rules.search_query, result.pages)
    found = {n.get("id") for n in result.nodes}
    ctx.expect(
        found == expected,
        f"search_query={needle!r}: {len(found)} nodes, expected the {len(expected)} whose names contain it",
        result.pages[0],
    )


@probe("graph.bad_cursor", "meta")
def bad_cursor(ctx: ProbeContext) -> None:
    for name in ("after", "before"):
        expect_error(ctx, get(ctx, **{name: FORGED_CURSOR}), 400, 100)


@probe("graph.unknown_field", "meta")
def unknown_field(ctx: ProbeContext) -> None:
    exchange = get(ctx, fields="name,colour")
    message = str(expect_error(ctx, exchange, 400, 100).get("message", ""))
    ctx.expect(
        "(colour)" in message and "AdAccount" in message, f"the message does not name the field: {message!r}", exchange
    )


# ---- auth and isolation


@probe("graph.auth_enforced", "meta")
def auth_enforced(ctx: ProbeContext) -> None:
    for token, code in ((None, 104), (UNKNOWN_TOKEN, 190)):
        error = expect_error(ctx, get(ctx, token=token, limit=1), 400, code)
        ctx.expect(error.get("type") in (None, "OAuthException"), f"code {code} with type {error.get('type')!r}")


@probe("graph.token_placement", "meta")
def token_placement(ctx: ProbeContext) -> None:
    token = ctx.credentials.graph_token
    reference = get(ctx, limit=5)
    expected = expect_list(reference)[0]
    for scheme in ("Bearer", "OAuth"):
        exchange = get(ctx, token=None, limit=5, headers={"Authorization": f"{scheme} {token}"})
        if ctx.expect_status(exchange, 200, f"token in Authorization: {scheme}"):
            ctx.expect(expect_list(exchange)[0] == expected, f"Authorization: {scheme} gives other data", exchange)
    account = ctx.credentials.graph_adaccount_existing
    if account and ctx.writes:
        exchange = ctx.client.post(edge(ctx), data={"access_token": token, "adaccount_id": account})
        code = (rules.error_of(exchange) or {}).get("code")
        ctx.expect(code not in (104, 190), f"a token in the form body is not accepted (code {code})", exchange)


@probe("graph.tenant_isolation", "meta", needs=("graph_other_business",))
def tenant_isolation(ctx: ProbeContext) -> None:
    other = get(ctx, business=ctx.credentials.graph_other_business, limit=1)
    unknown = get(ctx, business=UNKNOWN_BUSINESS, limit=1)
    for exchange in (other, unknown):
        error = expect_error(ctx, exchange, 400, 100, 33)
        ctx.expect(error.get("type") == "GraphMethodException", f"type {error.get('type')!r}", exchange)
    a, b = rules.error_of(other) or {}, rules.error_of(unknown) or {}
    keys = ("code", "error_subcode", "type")
    same = [a.get(k) for k in keys] == [b.get(k) for k in keys] and other.status == unknown.status
    ctx.expect(same, "a business the token cannot see is answered unlike an unknown one", other)


# ---- passive


@probe("graph.error_envelope", "meta", passive=True)
def error_envelope(ctx: ProbeContext) -> None:
    get(ctx, token=None, limit=1)
    get(ctx, token=UNKNOWN_TOKEN, limit=1)
    get(ctx, limit=0)
    get(ctx, fields="name,na\u00efve\u2014couleur")  # a message a header cannot carry as it is
    get(ctx, url=edge(ctx, name="client_ad_acounts"))
    klayrai = ctx.url("klayrai", "/v1/")
    graph = ctx.client.exchanges(lambda e: e.url.startswith(ctx.target.graph_url) and not e.url.startswith(klayrai))
    apply(ctx, rules.error_envelope, [exchange for exchange in graph if exchange.status >= 400])
