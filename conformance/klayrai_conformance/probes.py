"""Probes: rules that need requests of their own (walking every page, a bad key, two keys, a POST then a GET).

A probe is a function registered with `@probe(rule_id, ...)`; it sends requests through the `ProbeContext`,
calls `ctx.fail(...)` for each problem (or raises `Violation`), and is reported under its rule id. What a probe
needs is declared, not discovered: missing credentials or a read-only target skip it with a one-line reason.
Probes run in registration order, except the passive ones (which re-read every exchange sent so far): those last.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from klayrai_conformance import wire_rules
from klayrai_conformance.exchange import Exchange, Violation
from klayrai_conformance.http import KitError, OutOfTime, ProbeClient, Unanswered
from klayrai_conformance.target import Target, needs_text

T = TypeVar("T")
MAX_FINDINGS_PER_RULE = 10
OUT_OF_TIME = "not checked: the run's time budget ran out first (--budget)"


class Skip(Exception):
    """The probe cannot run against this target (a precondition it found at run time)."""


@dataclass(frozen=True)
class Probe:
    rule: str
    api: str
    function: Callable[[ProbeContext], None]
    needs: tuple[str, ...] = ()
    writes: bool = False
    passive: bool = False  # re-reads the exchanges of the other probes: runs after them


PROBES: dict[str, Probe] = {}


def probe(
    rule: str, api: str, needs: tuple[str, ...] = (), writes: bool = False, passive: bool = False
) -> Callable[[Callable[[ProbeContext], None]], Callable[[ProbeContext], None]]:
    def register(function: Callable[[ProbeContext], None]) -> Callable[[ProbeContext], None]:
        if rule in PROBES:
            raise ValueError(f"two probes for {rule}")
        PROBES[rule] = Probe(rule, api, function, needs, writes, passive)
        return function

    return register


@dataclass
class Finding:
    """One violation of one rule, with the exchange that shows it when there is one."""

    rule: str
    message: str
    exchange: Exchange | None = None
    source: str = "probe"
    count: int = 1


@dataclass
class RuleOutcome:
    rule: str
    api: str
    status: str = "passed"  # passed | failed | skipped | error
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""  # why skipped, or the kit's error
    elapsed: float = 0.0
    ran: bool = False  # a probe or a check actually looked at the target for this rule
    out_of_time: bool = False  # the run's time budget ran out before this rule was fully checked
    journal_span: tuple[int, int] = (0, 0)  # the probe client's journal entries this rule's probe judged


class ProbeContext:
    """What a probe works with: the target, an HTTP client, memoized shared work, and the findings of its rule."""

    def __init__(self, target: Target, client: ProbeClient, writes: bool) -> None:
        self.target = target
        self.client = client
        self.writes = writes
        self.memo: dict[str, Any] = {}
        self.rule = ""
        self.findings: list[Finding] = []

    @property
    def credentials(self) -> Any:
        return self.target.credentials

    def url(self, api: str, path: str) -> str:
        return self.target.url_for(api).rstrip("/") + path

    def once(self, key: str, compute: Callable[[], T]) -> T:
        """Shared work (a full walk, say) done once per run, whichever probe asks first; a request of it the target
        did not answer stops every probe that needs it, without being sent again (and waited for) each time."""
        if key not in self.memo:
            try:
                self.memo[key] = compute()
            except Unanswered as unanswered:
                self.memo[key] = unanswered
        if isinstance(self.memo[key], Unanswered):
            raise self.memo[key]
        return self.memo[key]  # type: ignore[no-any-return]

    def fail(self, message: str, exchange: Exchange | None = None) -> None:
        self.findings.append(Finding(self.rule, message, exchange))

    def expect(self, condition: bool, message: str, exchange: Exchange | None = None) -> bool:
        if not condition:
            self.fail(message, exchange)
        return condition

    def expect_status(self, exchange: Exchange, status: int, what: str) -> bool:
        return self.expect(
            exchange.status == status, f"{what}: expected HTTP {status}, got {exchange.status}", exchange
        )


def hostile(
    ctx: ProbeContext, api: str, url: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> Exchange | None:
    """One hostile request; no answer at all is this rule's finding too (the connection closed on that input)."""
    try:
        exchange = ctx.client.get(url, params=params, headers=headers)
    except Unanswered as unanswered:
        kind = unanswered.exchange.no_answer.kind if unanswered.exchange.no_answer else "dropped"
        ctx.fail(f"no HTTP answer to hostile input (connection {kind})", unanswered.exchange)
        return None
    for problem in wire_rules.enveloped(exchange, api):
        ctx.fail(problem, exchange)
    return exchange


def in_order() -> list[Probe]:
    return sorted(PROBES.values(), key=lambda spec: spec.passive)  # stable: registration order otherwise


def skip_reason(spec: Probe, target: Target, writes: bool) -> str | None:
    if spec.writes and not writes and target.allow_writes is False:
        return "sends POST requests: read-only run (--read-only)"
    if spec.writes and not writes:
        return "sends POST requests; the target is not loopback: pass --allow-writes to run it"
    missing = [name for name in spec.needs if not getattr(target.credentials, name)]
    if missing:
        return "needs " + " and ".join(needs_text(name) for name in missing)
    return None


def run_probe(spec: Probe, ctx: ProbeContext, writes: bool) -> RuleOutcome:
    outcome = RuleOutcome(spec.rule, spec.api)
    reason = skip_reason(spec, ctx.target, writes)
    if reason:
        outcome.status, outcome.reason = "skipped", reason
        return outcome
    ctx.rule, ctx.findings = spec.rule, []
    first = 0 if spec.passive else len(ctx.client.journal)  # a passive probe re-reads every exchange so far
    started = time.monotonic()
    try:
        spec.function(ctx)
    except Violation as violation:
        ctx.fail(violation.message, violation.exchange)
    except Skip as skip:
        outcome.status, outcome.reason = "skipped", str(skip)
    except Unanswered as unanswered:
        kind = unanswered.exchange.no_answer.kind if unanswered.exchange.no_answer else "dropped"
        outcome.status = "skipped"
        outcome.reason = (
            f"not finished: the target gave no HTTP response to one of its requests ({kind}, see transport.*)"
        )
    except OutOfTime:
        outcome.status, outcome.reason = "skipped", OUT_OF_TIME
        outcome.out_of_time = True
    except KitError as error:
        outcome.status, outcome.reason = "error", str(error)
    except Exception as error:  # a bug of the kit: report it, keep the run going
        where = traceback.extract_tb(error.__traceback__)[-1]
        outcome.status = "error"
        outcome.reason = f"{type(error).__name__}: {error} ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
    outcome.elapsed = time.monotonic() - started
    outcome.journal_span = (first, len(ctx.client.journal))
    outcome.ran = outcome.status != "skipped"
    outcome.findings = ctx.findings[:MAX_FINDINGS_PER_RULE]
    if len(ctx.findings) > MAX_FINDINGS_PER_RULE:
        outcome.findings[-1].message += f"\n(and {len(ctx.findings) - MAX_FINDINGS_PER_RULE} more)"
    if outcome.findings:
        outcome.status = "failed"
    return outcome
