"""One conformance run: check the target answers, run the probes, then schemathesis, and merge what both found
into one outcome per rule. Probes go first: they expect the world as the target holds it, and schemathesis' fuzzed
POSTs could change it."""

from __future__ import annotations

import time

from klayrai_conformance import fuzz
from klayrai_conformance.http import ProbeClient, reachable
from klayrai_conformance.probes import ProbeContext, RuleOutcome, in_order, run_probe
from klayrai_conformance.report import Report
from klayrai_conformance.rules import select
from klayrai_conformance.target import PROBE_PHASE, SCHEMATHESIS_PHASES, Target, writes_allowed


class Unreachable(Exception):
    """The target does not answer HTTP: a usage problem (exit 2), not a finding."""


def run(target: Target) -> Report:
    started = time.monotonic()
    for url in target.urls:
        reason = reachable(url, timeout=min(target.request_timeout, 10.0))
        if reason:
            raise Unreachable(reason)
    writes = writes_allowed(target.urls, target.allow_writes)
    report = Report(target, writes)
    selected = select(target.apis, target.rule_patterns)
    for rule in selected:
        report.outcomes[rule.id] = RuleOutcome(rule.id, rule.api)

    if PROBE_PHASE in target.phases:
        client = ProbeClient(target.request_timeout, target.max_rps)
        ctx = ProbeContext(target, client, writes)
        try:
            for spec in in_order():
                if spec.rule in report.outcomes:
                    report.outcomes[spec.rule] = run_probe(spec, ctx, writes)
        finally:
            client.close()
            report.requests += len(client.journal)

    fuzzing = any(phase in SCHEMATHESIS_PHASES for phase in target.phases)
    checked = {rule.id for rule in selected if rule.by_check}
    if fuzzing and checked:
        merge(report, fuzz.run(target, checked, writes))

    probing = PROBE_PHASE in target.phases
    for rule in selected:
        outcome = report.outcomes[rule.id]
        if outcome.status == "passed" and not outcome.ran:
            outcome.status, outcome.reason = "skipped", "no request of this run exercised it"
            if not rule.by_probe and not fuzzing:
                outcome.reason = "only schemathesis checks it, and --phases runs no schemathesis phase"
            elif not rule.by_check and not probing:
                outcome.reason = "only a probe checks it, and --phases leaves out probes"
    report.elapsed = time.monotonic() - started
    return report


def merge(report: Report, result: fuzz.FuzzResult) -> None:
    report.requests += result.requests
    report.seed = result.seed
    report.errors += result.errors
    for rule, outcome in report.outcomes.items():
        if rule in result.ran:
            outcome.ran = True
            if outcome.status == "skipped":  # a probe could not run, but schemathesis' check of the rule did
                outcome.status, outcome.reason = "passed", ""
        findings = result.findings.get(rule, [])
        if findings:
            outcome.findings += findings
            outcome.status = "failed"
