"""Every decision the mock's state takes, as pure functions of what the stores count: no I/O, no clock, no store.

The stores only keep and count (`mockserver.state.memory`, `mockserver.state.redis`); what a count means is decided
here, once, so both stores answer the same sequence of requests the same way:

- **Scenario rules.** A rule matches a request by operation and attributes, and only on operations that document
  what it forces. Every matching rule counts the request: its hit number `n` (1, 2, ...), one counter per rule.
  A rule *wins* its `n`-th hit when `n > after`, its probability draw for `n` says yes, and it has won fewer than
  `times` hits before. The first matching rule (in the order rules were added) that wins answers.
- **Draws** are a hash of (seed, rule name, hit number): the same on every store and every process, whatever the
  order in which processes made the hits.
- **Rate limits:** fixed windows aligned to the epoch; a request's usage is the tightest budget it counted against.
- **Client relations:** Graph's refusals of a POST in the contract's order, and which relations an approval may
  change.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Container, Mapping, Sequence
from typing import Any

from mockserver.contract.spec import Contract
from mockserver.controls.prefer import Directive, PreferenceError, choose
from mockserver.state.limits import Policy, Usage, Window
from mockserver.state.scenarios import ScenarioRule
from mockserver.world.records import World

SCALE = float(1 << 64)


def draw(seed: int, name: str, hit: int) -> float:
    """A number in [0, 1) for the `hit`-th hit of the rule `name`: the same wherever and whenever it is drawn."""
    digest = hashlib.blake2b(f"{seed}:{name}:{hit}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / SCALE


def matching(
    contract: Contract,
    rules: Sequence[ScenarioRule],
    operation_id: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: Mapping[str, Any],
    credential: str | None,
) -> list[ScenarioRule]:
    """The rules this request counts for, in order."""
    return [
        rule
        for rule in rules
        if rule.matches(operation_id, query, headers, body, credential) and documented(contract, operation_id, rule)
    ]


def documented(contract: Contract, operation_id: str, rule: ScenarioRule) -> bool:
    """A rule forcing a response this operation does not document never matches it (remembered per rule)."""
    known = rule.documented.get(operation_id)
    if known is None:
        known = not rule.directive.forces or _documents(contract, operation_id, rule)
        rule.documented[operation_id] = known
    return known


def _documents(contract: Contract, operation_id: str, rule: ScenarioRule) -> bool:
    try:
        choose(contract, operation_id, rule.directive)
    except PreferenceError:
        return False
    return True


def wins_until(rule: ScenarioRule, hit: int, seed: int) -> int:
    """How many of the rule's hits 1..`hit` it won: past `after`, drawn, at most `times`. Pure; the rule keeps how
    far it has counted so that a long run of hits costs one draw each."""
    if hit <= rule.after:
        return 0
    if rule.probability >= 1:
        won = hit - rule.after
    else:
        checked, won = rule.counted
        if hit < checked:
            checked, won = rule.after, 0
        for n in range(max(checked, rule.after) + 1, hit + 1):
            won += draw(seed, rule.name, n) < rule.probability
            if rule.times is not None and won >= rule.times:
                break
        rule.counted = (hit, won)
    return won if rule.times is None else min(won, rule.times)


def wins(rule: ScenarioRule, hit: int, seed: int) -> bool:
    """Whether the rule wins its `hit`-th hit."""
    if hit <= rule.after or (rule.probability < 1 and draw(seed, rule.name, hit) >= rule.probability):
        return False
    return rule.times is None or wins_until(rule, hit - 1, seed) < rule.times


def answering(rules: Sequence[ScenarioRule], hits: Sequence[int], seed: int) -> tuple[ScenarioRule, int] | None:
    """The first rule that wins this request, with its hit number."""
    return next(((rule, hit) for rule, hit in zip(rules, hits, strict=True) if wins(rule, hit, seed)), None)


def directive(rule: ScenarioRule, hit: int, seed: int) -> Directive:
    """What a rule that answers asks for, with its latency (ms) drawn within its range for this hit."""
    low, high = rule.latency or (0.0, 0.0)
    delay = low if low == high else low + (high - low) * draw(seed, f"{rule.name}/latency", hit)
    d = rule.directive
    return Directive(d.status, d.example, d.dynamic, delay, rule.name)


def body_seed(seed: int, *parts: str) -> int:
    """The seed of a generated (`dynamic`) body: a function of the mock's seed and what asked for it."""
    digest = hashlib.blake2b("\0".join((str(seed), *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


# ---- rate limits


def windows(policies: Sequence[Policy], operation_id: str | None, credential: str, now: float) -> list[Window]:
    """The policies that count this request, each with the start of its current window (a multiple of its
    length)."""
    return [(p, math.floor(now / p.window) * p.window) for p in policies if p.applies(operation_id, credential)]


def tally(counted: Sequence[Window], counts: Sequence[int]) -> Usage:
    """The usage a request reports from its counts (this request included): the tightest budget, exceeded when
    any is."""
    tightest: tuple[int, Window] | None = None  # remaining, and the window it remains in
    exceeded = False
    for window, count in zip(counted, counts, strict=True):
        remaining = window[0].limit - count
        if remaining < 0:
            remaining, exceeded = 0, True
        if tightest is None or remaining < tightest[0]:
            tightest = (remaining, window)
    assert tightest is not None  # the default policy always applies
    remaining, (policy, start) = tightest
    return Usage(policy.limit, remaining, start + policy.window, exceeded)


# ---- client relations (Graph)


def judge(world: World, business_id: str, ad_account_id: str, existing: Container[tuple[str, str]]) -> tuple[str, str]:
    """Graph's checks on a POST, in the contract's order: the example that refuses it, or "" and the status of the
    relation to create. `existing` holds the (business, ad account) pairs that already have a relation."""
    account = world.ad_accounts.get(ad_account_id)
    if account is None:
        return "graph_100_post_33", ""
    if account.owner_business_id == business_id:
        return "graph_3946", ""
    if account.pending_ownership_request:
        return "graph_3945", ""
    if (business_id, ad_account_id) in existing:
        return DUPLICATE, ""
    owner = world.businesses.get(account.owner_business_id)
    return "", "PENDING" if owner is not None and owner.requires_approval else "CONFIRMED"


DUPLICATE = "graph_3989"  # the refusal of a relation that exists already (the store may be the one to know)
APPROVABLE = "PENDING"  # only a pending request can be approved; it becomes CONFIRMED
