"""KlayrAI probes of how requests are refused and counted: keys (missing, unknown, malformed, revoked), which
parameter fault wins, error codes with their statuses, and the rate-limit headers over consecutive requests."""

from __future__ import annotations

from itertools import pairwise

from klayrai_conformance.exchange import Exchange
from klayrai_conformance.probes import ProbeContext, probe
from klayrai_conformance.probes_klayrai import INVALID_KEY, accounts, apply, expect_error, klayrai_exchanges

MALFORMED_KEY = "not a klayrai key"
CONSECUTIVE_REQUESTS = 3
# (query, the parameter the error must name): two faults each, the first in x-parameter-order wins
FAULT_PAIRS = (
    ({"status": "paused", "page": "0"}, "status"),
    ({"page": "0", "page_size": "1000"}, "page"),
    ({"page_size": "0", "pageSize": "10"}, "page_size"),
)


@probe("klayrai.auth.required", "klayrai")
def auth_required(ctx: ProbeContext) -> None:
    for key in (None, INVALID_KEY, MALFORMED_KEY):
        expect_error(ctx, accounts(ctx, key, page_size="1"), 401, "authentication_error")


@probe("klayrai.auth.revoked_key", "klayrai", needs=("klayrai_key_revoked",))
def revoked_key(ctx: ProbeContext) -> None:
    expect_error(ctx, accounts(ctx, ctx.credentials.klayrai_key_revoked, page_size="1"), 401, "authentication_error")


@probe("klayrai.parameter_order", "klayrai")
def parameter_order(ctx: ProbeContext) -> None:
    version_and_page = accounts(ctx, page="0", headers={"klayrai-version": "1999-01-01"})
    expect_error(ctx, version_and_page, 400, "invalid_request", "klayrai-version")
    for query, param in FAULT_PAIRS:
        expect_error(ctx, accounts(ctx, **query), 400, "invalid_request", param)


@probe("klayrai.rate_limit.consecutive", "klayrai")
def rate_limit_consecutive(ctx: ProbeContext) -> None:
    answers = [accounts(ctx, page_size="1") for _ in range(CONSECUTIVE_REQUESTS)]
    for before, after in pairwise(answers):
        for problem in consecutive_problems(before, after):
            ctx.fail(problem, after)


def consecutive_problems(before: Exchange, after: Exchange) -> list[str]:
    """What two consecutive answers of one key say wrong about the rate-limit window (nothing when unreadable)."""
    names = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
    values = [[exchange.header(name) for name in names] for exchange in (before, after)]
    if not all(v is not None and v.strip().isdigit() for pair in values for v in pair):
        return []  # klayrai.rate_limit.headers reports headers that are missing or not integers
    (limit1, remaining1, reset1), (limit2, remaining2, reset2) = ([int(v) for v in pair] for pair in values)  # type: ignore[union-attr]
    if reset2 < reset1:
        return [f"X-RateLimit-Reset went back from {reset1} to {reset2}"]
    if reset2 != reset1:
        return []  # a new window
    problems = []
    if limit2 != limit1:
        problems.append(f"X-RateLimit-Limit changed from {limit1} to {limit2} within one window")
    if remaining2 >= remaining1 and remaining1 > 0:
        problems.append(f"X-RateLimit-Remaining went from {remaining1} to {remaining2} after a request (same Reset)")
    return problems


@probe("klayrai.envelope.code_status", "klayrai", passive=True)
def envelope_code_status(ctx: ProbeContext) -> None:
    accounts(ctx, None)
    accounts(ctx, page="0")
    ctx.client.get(ctx.url("klayrai", "/v1/acounts"), headers={"x-api-key": ctx.credentials.klayrai_key})
    errors = [exchange for exchange in klayrai_exchanges(ctx) if exchange.status >= 400]
    apply(ctx, "klayrai.envelope.code_status", errors)
