"""One conformance run: check the target accepts connections, run the probes, then schemathesis, and merge what
both found into one outcome per rule. Probes go first: they expect the world as the target holds it, and
schemathesis' fuzzed POSTs could change it.

The run is bounded by its time budget whatever the target does: the probes get a share of it (`PROBE_SHARE`), no
probe request starts or lasts past their deadline, and schemathesis is stopped in time for its last requests to
time out before the budget ends. What the budget cut short is said in the report (`Report.cut_short`).
"""

from __future__ import annotations

import time

from klayrai_conformance import fuzz, transport_rules
from klayrai_conformance.exchange import Exchange
from klayrai_conformance.http import ProbeClient, reachable
from klayrai_conformance.probes import (
    MAX_FINDINGS_PER_RULE,
    OUT_OF_TIME,
    Finding,
    ProbeContext,
    RuleOutcome,
    in_order,
    run_probe,
)
from klayrai_conformance.report import Report
from klayrai_conformance.rules import select
from klayrai_conformance.target import PROBE_PHASE, SCHEMATHESIS_PHASES, Target, writes_allowed

PROBE_SHARE = 0.5  # of the budget, when schemathesis phases run too
MARGIN_SECONDS = 1.0  # for the report, after the last request


class Unreachable(Exception):
    """The target does not accept connections: a usage problem (exit 2), not a finding."""


def run(target: Target) -> Report:
    started = time.monotonic()
    deadline = started + target.budget - MARGIN_SECONDS
    for url in target.urls:
        reason = reachable(url, timeout=min(target.request_timeout, 10.0))
        if reason:
            raise Unreachable(reason)
    writes = writes_allowed(target.urls, target.allow_writes)
    report = Report(target, writes)
    selected = select(target.apis, target.rule_patterns)
    for rule in selected:
        report.outcomes[rule.id] = RuleOutcome(rule.id, rule.api)
    fuzzing = any(phase in SCHEMATHESIS_PHASES for phase in target.phases)
    checked = {rule.id for rule in selected if rule.by_check}

    if PROBE_PHASE in target.phases:
        share = PROBE_SHARE if fuzzing and checked else 1.0
        probe_deadline = started + target.budget * share
        client = ProbeClient(target.request_timeout, target.max_rps, deadline=probe_deadline, bounds=target.bounds)
        ctx = ProbeContext(target, client, writes)
        try:
            for spec in in_order():
                if spec.rule in report.outcomes:
                    report.outcomes[spec.rule] = run_probe(spec, ctx, writes)
        finally:
            client.close()
            report.requests += len(client.journal) + len(client.unanswered)
        record_unanswered(report, client.unanswered)
        report.coverage.add_probes(client.journal, report.outcomes.values(), target.bases)
        if any(outcome.out_of_time for outcome in report.outcomes.values()):
            report.cut_short.append(f"probes: their share of the budget ({target.budget * share:.0f} s) ran out")

    if fuzzing and checked:
        # Stopped early enough for a request sent at the last moment to end (answered, timed out or cut at its
        # exchange deadline) within the budget.
        stop_at = deadline - max(target.request_timeout, target.deadline)
        if stop_at - time.monotonic() < 1.0:
            report.cut_short.append("schemathesis: no time left in the budget for its phases")
        else:
            merge(report, fuzz.run(target, checked, writes, stop_at))

    probing = PROBE_PHASE in target.phases
    for rule in selected:
        outcome = report.outcomes[rule.id]
        if outcome.status == "passed" and not outcome.ran:
            outcome.status, outcome.reason = "skipped", "no request of this run exercised it"
            if report.cut_short:
                outcome.reason = OUT_OF_TIME
            elif not rule.by_probe and not fuzzing:
                outcome.reason = "only schemathesis checks it, and --phases runs no schemathesis phase"
            elif not rule.by_check and not probing:
                outcome.reason = "only a probe checks it, and --phases leaves out probes"
    report.elapsed = time.monotonic() - started
    return report


def record_unanswered(report: Report, exchanges: list[Exchange]) -> None:
    """The probes' requests the target gave no response to, under the transport rules (one finding per request)."""
    for rule, check in transport_rules.RULES.items():
        outcome = report.outcomes.get(rule)
        if outcome is None:
            continue
        outcome.ran = outcome.ran or report.requests > 0
        seen: dict[str, Finding] = {}
        for exchange in exchanges:
            for problem in check(exchange):
                key = f"{exchange.method} {exchange.url}"
                if key in seen:
                    seen[key].count += 1
                elif len(seen) < MAX_FINDINGS_PER_RULE:
                    seen[key] = Finding(rule, problem, exchange)
        if seen:
            outcome.findings += seen.values()
            outcome.status = "failed"


def merge(report: Report, result: fuzz.FuzzResult) -> None:
    report.requests += result.requests
    report.coverage.merge(result.tally)
    report.seed = result.seed
    report.errors += result.errors
    report.cut_short += result.cut_short
    report.notes += result.notes
    for rule, outcome in report.outcomes.items():
        if rule in result.ran:
            outcome.ran = True
            if outcome.status == "skipped" and not outcome.out_of_time:
                outcome.status, outcome.reason = "passed", ""  # a probe could not run, but schemathesis' check did
        findings = result.findings.get(rule, [])
        if findings:
            outcome.findings += findings
            outcome.status = "failed"
