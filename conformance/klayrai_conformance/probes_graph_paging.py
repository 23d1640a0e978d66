"""Graph paging probes: `paging` and its links, the cursor walk forward, back again with `before`, and the counts.

Paging links are followed only when they point back at the target: a wrong host is reported, never called.
"""

from __future__ import annotations

import math
from typing import Any

from klayrai_conformance import graph_rules as rules
from klayrai_conformance.exchange import Exchange, Violation
from klayrai_conformance.probes import ProbeContext, Skip, probe
from klayrai_conformance.probes_graph import NO_SUCH_NAME, apply, expect_list, get, names_walk, walk

BOUNDARY_PAGES = 6  # the boundaries are walked in about this many pages each way


@probe("graph.paging_presence", "meta")
def paging_presence(ctx: ProbeContext) -> None:
    exchanges = [get(ctx, limit=5), get(ctx, limit=5, search_query=NO_SUCH_NAME)]
    apply(ctx, rules.paging_presence, exchanges)
    nodes, _ = expect_list(exchanges[1])
    ctx.expect(nodes == [], f"search_query={NO_SUCH_NAME!r} matched {len(nodes)} nodes", exchanges[1])


@probe("graph.paging_links", "meta")
def paging_links(ctx: ProbeContext) -> None:
    first = get(ctx, limit=2, fields="name", summary="total_count")
    _, body = expect_list(first)
    apply(ctx, rules.paging_links, [first])
    link = (body.get("paging") or {}).get("next")
    if link is None:
        raise Skip("the business has at most 2 client ad accounts: no next page to follow")
    if rules.paging_links(first):
        return  # reported above; a link to another host or a relative one is not followed
    second = ctx.client.get(link)
    nodes, body2 = expect_list(second)
    apply(ctx, rules.paging_links, [second])
    by_cursor = get(ctx, limit=2, fields="name", summary="total_count", after=body["paging"]["cursors"]["after"])
    ctx.expect(
        nodes == expect_list(by_cursor)[0], "following paging.next gives another page than after=<cursor>", second
    )
    back = (body2.get("paging") or {}).get("previous")
    if not ctx.expect(isinstance(back, str), "the second page has no paging.previous", second) or rules.paging_links(
        second
    ):
        return
    previous = ctx.client.get(back)
    ctx.expect(expect_list(previous)[0] == body["data"], "paging.previous of page 2 is not page 1", previous)


@probe("graph.cursor_walk", "meta")
def cursor_walk(ctx: ProbeContext) -> None:
    result = walk(ctx, limit=25, fields="name")
    ids = [node.get("id") for node in result.nodes]
    first = result.pages[0]
    ctx.expect(isinstance(result.total, int), "summary=true gave no summary.total_count", first)
    ctx.expect(len(ids) == len(set(ids)), "the walk visits a node twice", result.pages[-1])
    ctx.expect(
        len(ids) == result.total,
        f"the walk visits {len(ids)} nodes, summary.total_count is {result.total}",
        result.pages[-1],
    )
    ctx.expect(
        "previous" not in (rules.listing(first) or ({}, {}))[1].get("paging", {}),
        "the first page has paging.previous",
        first,
    )


@probe("graph.summary_total", "meta")
def summary_total(ctx: ProbeContext) -> None:
    everything = names_walk(ctx)
    exchanges = [get(ctx, limit=5), get(ctx, limit=5, summary="false"), get(ctx, limit=1, summary="total_count")]
    apply(ctx, rules.summary_total, exchanges)
    counted = (rules.listing(exchanges[2]) or ([], {}))[1].get("summary", {}).get("total_count")
    ctx.expect(
        counted == len(everything.nodes),
        f"summary.total_count {counted}; walking finds {len(everything.nodes)}",
        exchanges[2],
    )
    if everything.nodes:
        needle = str(everything.nodes[0].get("name", ""))[:3]
        expected = sum(needle.casefold() in str(n.get("name", "")).casefold() for n in everything.nodes)
        selected = get(ctx, limit=1, summary="true", search_query=needle)
        apply(ctx, rules.summary_total, [selected])
        count = (rules.listing(selected) or ([], {}))[1].get("summary", {}).get("total_count")
        ctx.expect(
            count == expected, f"search_query={needle!r}: summary.total_count {count}, expected {expected}", selected
        )


@probe("graph.paging_boundaries", "meta")
def paging_boundaries(ctx: ProbeContext) -> None:
    total = len(names_walk(ctx).nodes)
    if total < 2:
        raise Skip("the business has fewer than 2 client ad accounts: one page has no boundaries")
    limit = min(100, math.ceil(total / BOUNDARY_PAGES))
    forward = walk(ctx, limit=limit, fields="name")
    pages = [expect_list(page)[0] for page in forward.pages]
    if len(pages) > 1 and not pages[-1]:  # the walk ends on the first page without `next`: here, an empty one
        ctx.fail("the last page with nodes has paging.next (to an empty page)", forward.pages[-2])
        pages, forward.pages = pages[:-1], forward.pages[:-1]
    back = forward.pages[-1]
    for index in range(len(pages) - 2, -1, -1):
        cursor = (paging_of(back).get("cursors") or {}).get("before")
        if not ctx.expect("previous" in paging_of(back), f"page {index + 2} has no paging.previous", back):
            return
        back = get(ctx, limit=limit, fields="name", before=cursor)
        if not ctx.expect(
            expect_list(back)[0] == pages[index],
            f"before=<cursor of page {index + 2}> did not give page {index + 1} of the forward walk",
            back,
        ):
            return
    ctx.expect("previous" not in paging_of(back), "the first page, reached with before, has paging.previous", back)


def paging_of(exchange: Exchange) -> dict[str, Any]:
    """The page's `paging` object ({} when it has none)."""
    listing = rules.listing(exchange)
    if listing is None:
        raise Violation("the 200 body is not {data: [...], ...}", exchange)
    paging = listing[1].get("paging")
    return paging if isinstance(paging, dict) else {}
