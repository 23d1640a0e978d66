"""Graph batch probes (`POST /{version}/` with `batch`): each item answers as the same request sent alone, the
`include_headers` switch, the 50-item limit and malformed batches, an item's own token, the encodings and paths the
SDKs use, and the order of the answers, one probe per `graph.batch.*` rule id (but `graph.batch.write_then_read`, whose
batch adds an account: it runs with the POST probes, after every read, in `probes_graph_writes`).

Every item is a GET, but a batch is a POST: the probes are declared `writes`, so that a read-only run (a target off
loopback without `--allow-writes`) sends no POST at all. Bodies are compared as JSON, without the per-request
`fbtrace_id`, and paging links as URLs whose query is compared as a multiset of pairs.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from klayrai_conformance.exchange import Exchange, Violation
from klayrai_conformance.probes import ProbeContext, probe
from klayrai_conformance.probes_graph import FORGED_CURSOR, UNKNOWN_TOKEN, edge, expect_error, get

Json = dict[str, Any]
MAX_ITEMS = 50
NEEDS = ("graph_token", "graph_business")


def batch_url(ctx: ProbeContext) -> str:
    return ctx.url("meta", f"/{ctx.target.graph_version}/")


def send(ctx: ProbeContext, items: Any, **params: str) -> Exchange:
    """A batch as the Python SDK sends it: the token in the query, `batch` as a form field of JSON text."""
    batch = items if isinstance(items, str) else json.dumps(items)
    query = {"access_token": ctx.credentials.graph_token, **params}
    return ctx.client.post(batch_url(ctx), params=query, data={"batch": batch})


def answers(exchange: Exchange, count: int) -> list[Json]:
    """The answer array, each element checked for shape; `body` parsed."""
    if exchange.status != 200:
        raise Violation(f"expected HTTP 200 for a well-formed batch, got {exchange.status}", exchange)
    found = exchange.json_or_none()
    if not isinstance(found, list) or len(found) != count:
        raise Violation(f"expected a JSON array of {count} answers, one per item", exchange)
    parsed = []
    for index, answer in enumerate(found):
        if not isinstance(answer, dict) or not isinstance(answer.get("code"), int) or "body" not in answer:
            raise Violation(f"answer {index} is not an object with code and body", exchange)
        try:
            parsed.append({**answer, "body": json.loads(answer["body"])})
        except (TypeError, ValueError):
            raise Violation(f"answer {index}: body is not a JSON text", exchange) from None
    return parsed


def comparable(body: Any) -> Any:
    """A body without what differs per request: the error's trace id; paging links as (path, sorted query)."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return {"error": {k: v for k, v in body["error"].items() if k != "fbtrace_id"}}
    if isinstance(body, dict) and isinstance(body.get("paging"), dict):
        paging = dict(body["paging"])
        for name in ("next", "previous"):
            if isinstance(paging.get(name), str):
                url = urlsplit(paging[name])
                paging[name] = (url.path, sorted(parse_qsl(url.query, keep_blank_values=True)))
        return {**body, "paging": paging}
    return body


def edge_url(ctx: ProbeContext, query: str = "", name: str = "client_ad_accounts") -> str:
    return f"{ctx.credentials.graph_business}/{name}" + (f"?{query}" if query else "")


@probe("graph.batch.item_as_alone", "meta", needs=NEEDS, writes=True)
def item_as_alone(ctx: ProbeContext) -> None:
    version = ctx.target.graph_version
    items = [
        {"method": "GET", "relative_url": edge_url(ctx, "fields=name&limit=2")},
        {"method": "GET", "relative_url": f"/{version}/" + edge_url(ctx, f"limit=1&after={FORGED_CURSOR}")},
        {"method": "GET", "relative_url": edge_url(ctx, name="client_ad_acounts")},
    ]
    batch = send(ctx, items)
    alone = [
        get(ctx, fields="name", limit=2),
        get(ctx, limit=1, after=FORGED_CURSOR),
        get(ctx, url=edge(ctx, name="client_ad_acounts")),
    ]
    for index, (answer, single) in enumerate(zip(answers(batch, len(items)), alone, strict=True)):
        ctx.expect(
            answer["code"] == single.status,
            f"item {index}: code {answer['code']}, but the same request alone got HTTP {single.status}",
            batch,
        )
        ctx.expect(
            comparable(answer["body"]) == comparable(single.json_or_none()),
            f"item {index}: the body differs from the same request's sent alone ({single.excerpt(200)})",
            batch,
        )


@probe("graph.batch.include_headers", "meta", needs=NEEDS, writes=True)
def include_headers(ctx: ProbeContext) -> None:
    items = [{"method": "GET", "relative_url": edge_url(ctx, "limit=1")}] * 2
    for answer in answers(send(ctx, items), 2):
        headers = answer.get("headers")
        ok = isinstance(headers, list) and all(isinstance(h, dict) and {"name", "value"} <= set(h) for h in headers)
        ctx.expect(ok, "every answer has headers: a list of {name, value}")
    lean = send(ctx, items, include_headers="false")
    for index, answer in enumerate(answers(lean, 2)):
        ctx.expect("headers" not in answer, f"include_headers=false, yet answer {index} has headers", lean)


@probe("graph.batch.max_items", "meta", needs=NEEDS, writes=True)
def max_items(ctx: ProbeContext) -> None:
    item = {"method": "GET", "relative_url": edge_url(ctx, "limit=1")}
    answers(send(ctx, [item] * MAX_ITEMS), MAX_ITEMS)
    refused = send(ctx, [item] * (MAX_ITEMS + 1))
    error = expect_error(ctx, refused, 400, 100)
    wanted = "(#100) Too many requests in batch message. Maximum batch size is 50"
    message = error.get("message")
    ctx.expect(message == wanted, f"the error message is {message!r}, not {wanted!r}", refused)


@probe("graph.batch.malformed", "meta", needs=NEEDS, writes=True)
def malformed(ctx: ProbeContext) -> None:
    no_batch = ctx.client.post(batch_url(ctx), params={"access_token": ctx.credentials.graph_token})
    expect_error(ctx, no_batch, 400, 100)
    stray = json.dumps([{"method": "GET", "relative_url": edge_url(ctx), "attached_files": "f"}])
    for batch in ("[{", '{"method": "GET"}', '["GET me"]', "[]", stray):
        expect_error(ctx, send(ctx, batch), 400, 100)
    reference = {"method": "GET", "relative_url": edge_url(ctx, "search_query={result=first:$.data.0.name}")}
    first = {"method": "GET", "relative_url": edge_url(ctx, "limit=1"), "name": "first"}
    exchange = send(ctx, [first, reference])
    answer = answers(exchange, 2)[1]
    error = answer["body"].get("error") if isinstance(answer["body"], dict) else None
    got = (answer["code"], error.get("code") if isinstance(error, dict) else None)
    ctx.expect(got == (400, 100), f"a JSONPath reference item: expected code 400 error 100, got {got}", exchange)


@probe("graph.batch.item_token", "meta", needs=NEEDS, writes=True)
def item_token(ctx: ProbeContext) -> None:
    items = [
        {"method": "GET", "relative_url": edge_url(ctx, "limit=1")},
        {"method": "GET", "relative_url": edge_url(ctx, f"limit=1&access_token={UNKNOWN_TOKEN}")},
        {
            "method": "GET",
            "relative_url": edge_url(ctx, "limit=1"),
            "headers": [f"Authorization: OAuth {UNKNOWN_TOKEN}"],
        },
    ]
    batch = send(ctx, items)
    got = [(a["code"], (a["body"].get("error") or {}).get("code")) for a in answers(batch, 3)]
    ctx.expect(
        got[0] == (200, None), f"an item without a token of its own got {got[0]}, not the batch token's 200", batch
    )
    for index, where in ((1, "relative_url"), (2, "headers")):
        ctx.expect(
            got[index] == (400, 190),
            f"item {index} carries an unknown token in its {where}, yet got {got[index]}: expected (400, 190)",
            batch,
        )


@probe("graph.batch.encodings", "meta", needs=NEEDS, writes=True)
def encodings(ctx: ProbeContext) -> None:
    version = ctx.target.graph_version
    query = edge_url(ctx, "fields=name&limit=2")
    items = [{"method": "GET", "relative_url": query}, {"method": "GET", "relative_url": edge_url(ctx, name="nope")}]
    reference = [(a["code"], comparable(a["body"])) for a in answers(send(ctx, items), 2)]
    token = {"access_token": ctx.credentials.graph_token}
    spelled = [{**item, "relative_url": f"/{version}/{item['relative_url']}"} for item in items]
    variants = {
        "a JSON body {batch: [...]} to /{version} (Node SDK)": ctx.client.post(
            ctx.url("meta", f"/{version}"),
            params=token,
            content=json.dumps({"batch": items}).encode(),
            headers={"Content-Type": "application/json"},
        ),
        "relative_url with a leading / and the version": send(ctx, spelled),
        "a batch to / with versioned items": ctx.client.post(
            ctx.url("meta", "/"), params=token, data={"batch": json.dumps(spelled)}
        ),
    }
    for what, exchange in variants.items():
        try:
            got = [(a["code"], comparable(a["body"])) for a in answers(exchange, 2)]
        except Violation as violation:
            ctx.fail(f"{what}: {violation.message}", exchange)
            continue
        ctx.expect(got == reference, f"{what}: other answers than the same batch as a form field", exchange)


@probe("graph.batch.order", "meta", needs=NEEDS, writes=True)
def order(ctx: ProbeContext) -> None:
    limits = (1, 3, 2, 4)
    items = [{"method": "GET", "relative_url": edge_url(ctx, f"limit={n}")} for n in limits]
    items.insert(2, {"method": "GET", "relative_url": edge_url(ctx, name="nope")})
    batch = send(ctx, items)
    got = [(a["code"], len(a["body"].get("data", [])) if a["code"] == 200 else None) for a in answers(batch, 5)]
    expected = [(200, 1), (200, 3), (400, None), (200, 2), (200, 4)]
    ctx.expect(got == expected, f"answers {got}; expected one per item, in item order: {expected}", batch)
