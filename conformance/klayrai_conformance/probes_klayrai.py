"""KlayrAI probes: the rules of `listAccounts` that need requests of their own, one probe per invariant id.

Page walks are computed from `total` (never from `hasMore`), so that a wrong `hasMore` is reported by its own rule
and not as a broken walk too. The passive probes (envelope, version, rate-limit headers) come last: they re-read
every KlayrAI exchange the other probes sent, then provoke the cases those did not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from klayrai_conformance import klayrai_rules as rules
from klayrai_conformance.exchange import Exchange, Violation
from klayrai_conformance.probes import ProbeContext, Skip, probe

Json = dict[str, Any]
PATH = "/v1/accounts"
INVALID_KEY = "klyr_live_conformance0invalid0key"
MAX_WALK_PAGES = 100  # per walk: a huge workspace is walked with bigger pages, never with more requests
BIG_PAGE = 100


@dataclass
class PageWalk:
    accounts: list[Json]
    total: int
    pages: list[Exchange]
    page_size: int
    origins: list[int]  # for each account, the index of the page it came on

    def first_repeat(self) -> tuple[str, Exchange] | None:
        """The first account seen a second time, and the page that repeated it."""
        seen: set[Any] = set()
        for account, origin in zip(self.accounts, self.origins, strict=True):
            if account.get("id") in seen:
                return str(account.get("id")), self.pages[origin]
            seen.add(account.get("id"))
        return None


def accounts(ctx: ProbeContext, key: str | None = "", **params: Any) -> Exchange:
    """GET /v1/accounts with the run's key (`key=""`), another key, or none (`key=None`)."""
    headers = dict(params.pop("headers", {}))
    key = ctx.credentials.klayrai_key if key == "" else key
    if key is not None:
        headers["x-api-key"] = key
    return ctx.client.get(ctx.url("klayrai", PATH), params=params, headers=headers)


def expect_page(exchange: Exchange) -> tuple[list[Json], Json]:
    if exchange.status != 200:
        raise Violation(f"expected HTTP 200 for a valid request, got {exchange.status}", exchange)
    page = rules.page_of(exchange)
    if page is None:
        raise Violation("the 200 body is not {data: [...], pagination: {total, page, page_size, ...}}", exchange)
    return page


def walk(ctx: ProbeContext, key: str = "", page_size: int = BIG_PAGE, status: str | None = None) -> PageWalk:
    """Every page of a selection, as many pages as `total` says (at most MAX_WALK_PAGES)."""
    filters = {"status": status} if status else {}
    first = accounts(ctx, key, page=1, page_size=page_size, **filters)
    data, pagination = expect_page(first)
    total, seen, pages, origins = pagination["total"], list(data), [first], [0] * len(data)
    for page in range(2, min(math.ceil(total / page_size), MAX_WALK_PAGES) + 1):
        exchange = accounts(ctx, key, page=page, page_size=page_size, **filters)
        data, pagination = expect_page(exchange)
        if pagination["total"] != total:
            raise Violation(f"total changed during the walk: {total} on page 1, {pagination['total']} later", exchange)
        seen += data
        origins += [len(pages)] * len(data)
        pages.append(exchange)
    return PageWalk(seen, total, pages, page_size, origins)


def full_walk(ctx: ProbeContext) -> PageWalk:
    return ctx.once("klayrai.walk", lambda: walk(ctx))


def small_page_size(total: int) -> int:
    return min(BIG_PAGE, max(7, math.ceil(total / MAX_WALK_PAGES)))


def apply(ctx: ProbeContext, rule: str, exchanges: list[Exchange]) -> None:
    for exchange in exchanges:
        for problem in rules.RULES[rule](exchange):
            ctx.fail(problem, exchange)


def expect_error(ctx: ProbeContext, exchange: Exchange, status: int, code: str, param: str | None = None) -> None:
    body = exchange.json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    got = (exchange.status, error.get("code"), error.get("param")) if isinstance(error, dict) else (exchange.status,)
    want = (status, code, param) if param else (status, code, None)
    if got != want:
        ctx.fail(
            f"expected HTTP {status} {code}" + (f" with param {param!r}" if param else "") + f"; got {got}", exchange
        )


# ---- accounts (one probe per account invariant, over the whole workspace)


def _account_probe(rule: str) -> None:
    @probe(rule, "klayrai")
    def check(ctx: ProbeContext) -> None:
        result = full_walk(ctx)
        for problem in rules.account_problems(rule, result.accounts):
            ctx.fail(problem, result.pages[0])


for _rule in rules.ACCOUNT_RULES:
    _account_probe(_rule)


# ---- pagination


def boundary_pages(ctx: ProbeContext) -> list[Exchange]:
    """Defaults, the last page, the one before it, the last single-account page and the first past the end."""

    def compute() -> list[Exchange]:
        total = full_walk(ctx).total
        last = max(1, math.ceil(total / 20))
        requests: list[dict[str, Any]] = [{}, {"page": last}, {"page": max(1, last - 1)}, {"page": last + 1}]
        requests += [{"page": max(1, total), "page_size": 1}, {"page": 2, "page_size": 50}]
        return [accounts(ctx, **params) for params in requests]

    return ctx.once("klayrai.boundaries", compute)


@probe("klayrai.pagination.has_more", "klayrai")
def has_more(ctx: ProbeContext) -> None:
    apply(ctx, "klayrai.pagination.has_more", [*full_walk(ctx).pages, *boundary_pages(ctx)])


@probe("klayrai.pagination.echo", "klayrai")
def echo(ctx: ProbeContext) -> None:
    apply(ctx, "klayrai.pagination.echo", [*full_walk(ctx).pages, *boundary_pages(ctx)])


@probe("klayrai.pagination.page_length", "klayrai")
def page_length(ctx: ProbeContext) -> None:
    apply(ctx, "klayrai.pagination.page_length", [*full_walk(ctx).pages, *boundary_pages(ctx)])


@probe("klayrai.pagination.past_end", "klayrai")
def past_end(ctx: ProbeContext) -> None:
    total = full_walk(ctx).total
    for page, page_size in ((math.ceil(total / 20) + 1, 20), (1_000_000, 100)):
        exchange = accounts(ctx, page=page, page_size=page_size)
        if not ctx.expect_status(exchange, 200, f"page {page} past the end"):
            continue
        data, pagination = expect_page(exchange)
        ctx.expect(
            data == [] and pagination.get("hasMore") is False,
            "past the end: expected data [] and hasMore false",
            exchange,
        )
        ctx.expect(pagination["total"] == total, f"past the end: total {pagination['total']} != {total}", exchange)


@probe("klayrai.pagination.walk", "klayrai")
def pagination_walk(ctx: ProbeContext) -> None:
    big = full_walk(ctx)
    small = walk(ctx, page_size=small_page_size(big.total))
    for result in (big, small):
        ids = [account.get("id") for account in result.accounts]
        size = result.page_size
        repeat = result.first_repeat()
        if repeat:
            duplicates = sorted({i for i in ids if ids.count(i) > 1}, key=str)
            ctx.fail(f"page_size {size}: accounts seen twice: {duplicates[:5]}; first repeated: {repeat[0]}", repeat[1])
        expected = min(result.total, MAX_WALK_PAGES * size)
        ctx.expect(
            len(ids) == expected,
            f"page_size {size}: walked {len(ids)} accounts, total says {expected}",
            result.pages[-1],
        )
        keys = [(str(a.get("connectedAt")), str(a.get("id"))) for a in result.accounts]
        ctx.expect(keys == sorted(keys), f"page_size {size}: not ordered by connectedAt, then id", result.pages[0])
    overlap = min(len(big.accounts), len(small.accounts))
    same = [a.get("id") for a in big.accounts[:overlap]] == [a.get("id") for a in small.accounts[:overlap]]
    ctx.expect(same, "the order differs between page sizes 100 and small pages: not stable", small.pages[0])


@probe("klayrai.filter.status", "klayrai")
def filter_status(ctx: ProbeContext) -> None:
    everything = full_walk(ctx)
    all_ids = {a.get("id") for a in everything.accounts}
    totals = 0
    for status in rules.vocabulary().statuses:
        result = walk(ctx, status=status)
        totals += result.total
        apply(ctx, "klayrai.filter.status", result.pages)
        ctx.expect(
            len(result.accounts) == result.total,
            f"status={status}: walked {len(result.accounts)}, total {result.total}",
            result.pages[0],
        )
        strangers = {a.get("id") for a in result.accounts} - all_ids
        ctx.expect(
            not strangers,
            f"status={status}: accounts not in the unfiltered list: {sorted(strangers, key=str)[:5]}",
            result.pages[0],
        )
    ctx.expect(
        totals == everything.total,
        f"the statuses' totals add up to {totals}, the unfiltered total is {everything.total}",
        everything.pages[0],
    )


# ---- auth, plan, parameters


@probe("klayrai.check_order.auth_first", "klayrai")
def auth_first(ctx: ProbeContext) -> None:
    expect_error(ctx, accounts(ctx, INVALID_KEY, page="0"), 401, "authentication_error")
    expect_error(ctx, accounts(ctx, INVALID_KEY, status="paused", page_size="1000"), 401, "authentication_error")
    expect_error(ctx, accounts(ctx, None, pageSize="1"), 401, "authentication_error")


@probe("klayrai.unknown_parameter", "klayrai")
def unknown_parameter(ctx: ProbeContext) -> None:
    expect_error(ctx, accounts(ctx, pageSize="10"), 400, "invalid_request", "pageSize")
    expect_error(ctx, accounts(ctx, page="1", conformance_probe="1"), 400, "invalid_request", "conformance_probe")


@probe("klayrai.plan", "klayrai", needs=("klayrai_key_lower_plan",))
def plan(ctx: ProbeContext) -> None:
    key = ctx.credentials.klayrai_key_lower_plan
    expect_error(ctx, accounts(ctx, key), 403, "plan_insufficient")
    expect_error(ctx, accounts(ctx, key, page="0"), 403, "plan_insufficient")


@probe("klayrai.tenant_isolation", "klayrai", needs=("klayrai_key_other",))
def tenant_isolation(ctx: ProbeContext) -> None:
    other_key = ctx.credentials.klayrai_key_other
    first = accounts(ctx, other_key, page_size=1)
    if first.status == 403:
        raise Skip("the other workspace's key gets 403 (not on the Agency plan): cannot compare")
    theirs = walk(ctx, other_key)
    mine = {a.get("metaAccountId") for a in full_walk(ctx).accounts}
    shared = sorted(mine & {a.get("metaAccountId") for a in theirs.accounts}, key=str)
    ctx.expect(not shared, f"the other workspace's key sees this workspace's accounts: {shared[:5]}", theirs.pages[0])


# ---- passive: every KlayrAI exchange so far, plus the cases the other probes did not provoke


def klayrai_exchanges(ctx: ProbeContext) -> list[Exchange]:
    """The KlayrAI requests sent so far, but CORS preflights (answered before the API, not an operation of it)."""
    prefix = ctx.url("klayrai", "/v1/")
    return ctx.client.exchanges(lambda exchange: exchange.url.startswith(prefix) and exchange.method != "OPTIONS")


@probe("klayrai.envelope.request_id", "klayrai", passive=True)
def envelope_request_id(ctx: ProbeContext) -> None:
    accounts(ctx, None)
    accounts(ctx, INVALID_KEY)
    accounts(ctx, page="0")
    accounts(ctx, page_size="101")
    errors = [exchange for exchange in klayrai_exchanges(ctx) if exchange.status >= 400]
    apply(ctx, "klayrai.envelope.request_id", errors)


@probe("klayrai.version.echo", "klayrai", passive=True)
def version_echo(ctx: ProbeContext) -> None:
    words = rules.vocabulary()
    for version in words.versions:
        accounts(ctx, page_size=1, headers={"klayrai-version": version})
    unsupported = accounts(ctx, page_size=1, headers={"klayrai-version": "1999-01-01"})
    expect_error(ctx, unsupported, 400, "invalid_request", "klayrai-version")
    apply(ctx, "klayrai.version.echo", klayrai_exchanges(ctx))


@probe("klayrai.rate_limit.headers", "klayrai", passive=True)
def rate_limit_headers(ctx: ProbeContext) -> None:
    accounts(ctx, page_size=1)
    apply(ctx, "klayrai.rate_limit.headers", klayrai_exchanges(ctx))
