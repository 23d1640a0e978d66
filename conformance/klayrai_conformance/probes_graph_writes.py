"""Graph POST probes (declared `writes`: skipped on a non-loopback target without `--allow-writes`).

They run after every read probe (this module is registered last), so that no walk sees the business change under
it. Ordered so that the ones that must not change anything (unknown task, missing account) run before the ones that
do (`create_then_list`, and `graph.batch.write_then_read`: a POST item between two GET items of one batch), and the
duplicate check last, so that it can repeat the accounts just created.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

from klayrai_conformance import graph_rules as rules
from klayrai_conformance.exchange import Exchange, Violation
from klayrai_conformance.probes import ProbeContext, Skip, probe
from klayrai_conformance.probes_batch import NEEDS, answers, edge_url
from klayrai_conformance.probes_batch import send as send_batch
from klayrai_conformance.probes_graph import edge, expect_error, post, walk
from klayrai_conformance.target import needs_text
from mockserver.contract.spec import default_contract

CONCURRENT_POSTS = 4
UNKNOWN_ACCOUNT = "act_999999999999999"  # no ad account has this id: nothing is created
WHOLE_LIST = 500  # the largest `limit` (graph.read.limit): one page lists a business of up to 500 client accounts
FRESH = "graph_adaccount_batch"  # write_then_read's own fresh account: no other probe adds it
DEFAULT_TASKS = sorted(default_contract().operations["createClientAdAccount"].definition["x-default-permitted-tasks"])


def _post_account(ctx: ProbeContext) -> str:
    account = ctx.credentials.graph_adaccount_existing or ctx.credentials.graph_adaccount_new
    if not account:
        raise Skip("needs --graph-adaccount-existing or --graph-adaccount-new (or their environment variables)")
    return str(account)


@probe("graph.unknown_task", "meta", writes=True)
def unknown_task(ctx: ProbeContext) -> None:
    for tasks in ('["FLY"]', "MANAGE,FLY"):
        expect_error(ctx, post(ctx, adaccount_id=_post_account(ctx), permitted_tasks=tasks), 400, 100)


@probe("graph.create_missing_account", "meta", writes=True)
def create_missing_account(ctx: ProbeContext) -> None:
    expect_error(ctx, post(ctx), 400, 100)
    expect_error(ctx, post(ctx, permitted_tasks='["ANALYZE"]'), 400, 100)


@probe("graph.create_unknown_account", "meta", writes=True)
def create_unknown_account(ctx: ProbeContext) -> None:
    expect_error(ctx, post(ctx, adaccount_id=UNKNOWN_ACCOUNT), 400, 100, 33)


@probe("graph.create_asset_conflict", "meta", writes=True)
def create_asset_conflict(ctx: ProbeContext) -> None:
    """Nothing is created: a correct target refuses both POSTs (a faulty one that accepts them is reported)."""
    cases = [(ctx.credentials.graph_adaccount_owned, 3946), (ctx.credentials.graph_adaccount_ownership_pending, 3945)]
    if not any(account for account, _ in cases):
        raise Skip(f"needs {needs_text('graph_adaccount_owned')} or {needs_text('graph_adaccount_ownership_pending')}")
    listed: list[str] | None = None
    for account, code in cases:
        if not account:
            continue
        exchange = post(ctx, adaccount_id=account)
        expect_error(ctx, exchange, 400, code)
        listed = listed if listed is not None else [str(node.get("id")) for node in walk(ctx, fields="name").nodes]
        wanted = "act_" + str(account).removeprefix("act_")
        ctx.expect(wanted not in listed, f"{wanted} is listed as a client account after code {code}", exchange)


def first_posts(ctx: ProbeContext) -> list[Exchange]:
    """The first POSTs of the new account: `CONCURRENT_POSTS` at once, sent once per run (the account is new only
    once). A correct target answers one of them 200, the others 3989, as it would answer one POST then repeats."""

    def send() -> list[Exchange]:
        account = ctx.credentials.graph_adaccount_new
        with ThreadPoolExecutor(CONCURRENT_POSTS) as pool:
            return list(pool.map(lambda _: post(ctx, adaccount_id=account), range(CONCURRENT_POSTS)))

    return ctx.once("graph.first_posts", send)


@probe("graph.concurrent_create", "meta", needs=("graph_adaccount_new",), writes=True)
def concurrent_create(ctx: ProbeContext) -> None:
    answers = first_posts(ctx)
    codes = [(exchange.status, (rules.error_of(exchange) or {}).get("code")) for exchange in answers]
    if all(code == (400, 3989) for code in codes):
        raise Skip(f"{ctx.credentials.graph_adaccount_new} is already a client account: pass a fresh one")
    winners = [exchange for exchange in answers if exchange.status == 200]
    ctx.expect(
        len(winners) == 1 and codes.count((400, 3989)) == CONCURRENT_POSTS - 1,
        f"{CONCURRENT_POSTS} concurrent POSTs of one new account got {sorted(codes, key=str)}; "
        "expected one 200 and 400 code 3989 for the others",
        winners[-1] if winners else answers[0],
    )
    wanted = "act_" + str(ctx.credentials.graph_adaccount_new).removeprefix("act_")
    if winners and (winners[0].json_or_none() or {}).get("access_status") == "CONFIRMED":
        listed = [node.get("id") for node in walk(ctx, fields="name").nodes].count(wanted)
        ctx.expect(listed == 1, f"{wanted} is listed {listed} times after concurrent POSTs", winners[0])


@probe("graph.create_then_list", "meta", needs=("graph_adaccount_new",), writes=True)
def create_then_list(ctx: ProbeContext) -> None:
    accounts = [(ctx.credentials.graph_adaccount_new, True), (ctx.credentials.graph_adaccount_pending, False)]
    for account, required in accounts:
        if not account:
            continue
        if required:  # the new account's first POSTs are shared with graph.concurrent_create
            answers = first_posts(ctx)
            exchange = next((answer for answer in answers if answer.status == 200), answers[0])
        else:
            exchange = post(ctx, adaccount_id=account)
        code = (rules.error_of(exchange) or {}).get("code")
        if code == 3989 and required:
            raise Skip(f"{account} is already a client account of the business: pass a fresh --graph-adaccount-new")
        if not ctx.expect_status(exchange, 200, f"POST adaccount_id={account}"):
            continue
        ctx.memo.setdefault("created", []).append(account)
        status = (exchange.json_or_none() or {}).get("access_status")
        listed = {node.get("id"): node for node in walk(ctx, fields="name,permitted_tasks").nodes}
        wanted = "act_" + str(account).removeprefix("act_")
        if status == "CONFIRMED" and ctx.expect(
            wanted in listed, f"{wanted} was CONFIRMED but is not in the next GET", exchange
        ):
            tasks = listed[wanted].get("permitted_tasks")
            ctx.expect(
                sorted(tasks or []) == DEFAULT_TASKS,
                f"{wanted} was asked for without permitted_tasks and has {tasks}, not the default {DEFAULT_TASKS}",
                exchange,
            )
        elif status == "PENDING":
            ctx.expect(wanted not in listed, f"{wanted} is PENDING but already listed", exchange)
        else:
            ctx.fail(f"access_status {status!r} is neither CONFIRMED nor PENDING", exchange)


def listed(answer: dict[str, Any]) -> tuple[int | None, list[Any]]:
    """A batch GET item's `summary.total_count` (None when absent) and the ids of its page."""
    body = answer["body"] if answer["code"] == 200 and isinstance(answer["body"], dict) else {}
    summary, data = body.get("summary"), body.get("data")
    total = summary.get("total_count") if isinstance(summary, dict) else None
    ids = [node.get("id") for node in data if isinstance(node, dict)] if isinstance(data, list) else []
    return (total if isinstance(total, int) else None), ids


@probe("graph.batch.write_then_read", "meta", needs=(*NEEDS, FRESH), writes=True)
def write_then_read(ctx: ProbeContext) -> None:
    """One batch [GET, POST the fresh account, GET]: the first GET item does not list it, the one after the POST
    does. Like `create_then_list`'s, the account is new once per target: a second run skips, saying so."""
    account = "act_" + str(ctx.credentials.graph_adaccount_batch).removeprefix("act_")
    read = {"method": "GET", "relative_url": edge_url(ctx, f"summary=true&limit={WHOLE_LIST}")}
    write = {"method": "POST", "relative_url": edge_url(ctx), "body": urlencode({"adaccount_id": account})}
    batch = send_batch(ctx, [read, write, read])
    before, created, after = answers(batch, 3)
    body = created["body"] if isinstance(created["body"], dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    if (created["code"], error.get("code")) == (400, 3989):
        raise Skip(f"{account} is already a client account of the business: pass a fresh {needs_text(FRESH)}")
    if body.get("access_status") == "PENDING":
        raise Skip(
            f"{account} was left PENDING (its owner approves): pass one a POST adds at once, {needs_text(FRESH)}"
        )
    got = (created["code"], body.get("access_status"))
    if not ctx.expect(
        got == (200, "CONFIRMED"), f"the POST item of {account}: expected (200, CONFIRMED), got {got}", batch
    ):
        return
    ctx.memo.setdefault("created", []).append(account)
    (total, ids), (total_after, ids_after) = listed(before), listed(after)
    if total is None or total_after is None:
        raise Violation("a GET item with summary=true has no summary.total_count", batch)
    ctx.expect(account not in ids, f"{account} is listed by the GET item before the POST item that adds it", batch)
    ctx.expect(
        total_after == total + 1,
        f"summary.total_count is {total} before the POST item and {total_after} in the GET item after it, "
        f"not {total + 1}: a GET item must see the writes of the items before it",
        batch,
    )
    if total_after <= WHOLE_LIST:
        ctx.expect(account in ids_after, f"{account} is not listed by the GET item after the POST item", batch)


@probe("graph.duplicate_create", "meta", writes=True)
def duplicate_create(ctx: ProbeContext) -> None:
    accounts = [ctx.credentials.graph_adaccount_existing, *ctx.memo.get("created", [])]
    if not any(accounts):
        raise Skip("needs --graph-adaccount-existing (or GRAPH_ADACCOUNT_EXISTING) or a created account")
    for account in filter(None, accounts):
        expect_error(ctx, post(ctx, adaccount_id=account), 400, 3989)


@probe("graph.create_encodings", "meta", needs=("graph_adaccount_existing",), writes=True)
def create_encodings(ctx: ProbeContext) -> None:
    """Every way the SDKs send a POST reaches the same outcome: 3989 for an account already a client; an unknown
    spelling of a task is refused in each; a body of another content type gets 400 code 100."""
    account = str(ctx.credentials.graph_adaccount_existing)
    token = {"access_token": ctx.credentials.graph_token}
    url = edge(ctx)
    as_json = {"Content-Type": "application/json"}
    sent = {
        "the query": lambda: ctx.client.post(url, params={**token, "adaccount_id": account}),
        "a form body with JSON-encoded tasks (Python SDK)": lambda: post(
            ctx, adaccount_id=account, permitted_tasks='["MANAGE","ANALYZE"]'
        ),
        "a form body with the bare digits": lambda: post(ctx, adaccount_id=account.removeprefix("act_")),
        "a form body with single-quoted tasks": lambda: post(ctx, adaccount_id=account, permitted_tasks="['MANAGE']"),
        "a form body with a comma list of tasks": lambda: post(
            ctx, adaccount_id=account, permitted_tasks="MANAGE,ANALYZE"
        ),
        "a JSON body with an array of tasks (Node SDK)": lambda: ctx.client.post(
            url,
            params=token,
            headers=as_json,
            content=json.dumps({"adaccount_id": account, "permitted_tasks": ["MANAGE"]}).encode(),
        ),
    }
    for what, send in sent.items():
        exchange = send()
        error = rules.error_of(exchange) or {}
        ctx.expect(
            (exchange.status, error.get("code")) == (400, 3989),
            f"adaccount_id in {what}: got {(exchange.status, error.get('code'))}, expected 3989 (already a client)",
            exchange,
        )
    body = json.dumps({"adaccount_id": account, "permitted_tasks": ["manage"]}).encode()
    expect_error(ctx, ctx.client.post(url, params=token, headers=as_json, content=body), 400, 100)
    expect_error(ctx, post(ctx, adaccount_id=account, permitted_tasks='["manage"]'), 400, 100)
    plain = ctx.client.post(
        url, params=token, headers={"Content-Type": "text/plain"}, content=f"adaccount_id={account}".encode()
    )
    expect_error(ctx, plain, 400, 100)
