"""`conformance check FILE.har`: recorded traffic judged offline by the rules the kit applies to live traffic.

Each API entry is judged by the contract's schemas (`response_rules`), and by every kit rule that needs one exchange
(`operation_rules.OPERATION_RULES`, the table the schemathesis checks and the mock's proxy read); a CORS preflight
by the CORS rules; and the recording as a whole by the rules that compare its exchanges (`har_sequence`).
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from klayrai_conformance.exchange import Violation
from klayrai_conformance.har import HarEntry, HarFile
from klayrai_conformance.har_sequence import DESCRIPTIONS as SEQUENCE_DESCRIPTIONS
from klayrai_conformance.har_sequence import SEQUENCE_RULES
from klayrai_conformance.operation_rules import OPERATION_RULES
from klayrai_conformance.probes import Finding, RuleOutcome
from klayrai_conformance.report import EXIT_CONFORMS, EXIT_KIT_ERROR, EXIT_VIOLATIONS, Report
from klayrai_conformance.response_rules import DESCRIPTIONS as RESPONSE_DESCRIPTIONS
from klayrai_conformance.response_rules import RESPONSE_RULES, preflight_problems
from klayrai_conformance.target import Target
from mockserver.contract.secrets import Masker

DESCRIPTIONS = {**RESPONSE_DESCRIPTIONS, **SEQUENCE_DESCRIPTIONS}
MAX_LISTED = 200  # failures printed; the count says how many more


def entry_problems(entry: HarEntry, errors: list[str]) -> list[tuple[str, str]]:
    """`(rule id, problem)` for every rule of its operation one entry breaks; a rule that fails on it (a bug of the
    kit) goes to `errors` instead."""
    if entry.operation_id is None:
        return [("cors.preflight", problem) for problem in preflight_problems(entry.exchange)]
    found = []
    rules = {
        **{rule: partial(check, entry.operation_id) for rule, check in RESPONSE_RULES.items()},
        **OPERATION_RULES.get(entry.operation_id, {}),
    }
    for rule, check in rules.items():
        try:
            problems = check(entry.exchange)
        except Violation as violation:
            problems = [violation.message]
        except Exception as error:  # one rule's bug must not hide what the others find
            errors.append(f"{rule} on {entry.label()}: {type(error).__name__}: {error}")
            continue
        found += [(rule, problem) for problem in problems]
    return found


def rules_of(entry: HarEntry) -> list[str]:
    if entry.operation_id is None:
        return ["cors.preflight"]
    return [*RESPONSE_RULES, *OPERATION_RULES.get(entry.operation_id, {})]


def judge(har: HarFile, source: Path) -> Report:
    """Every API entry of the file judged; a rule that saw no entry it applies to is not listed."""
    started = time.monotonic()
    report = Report(Target(klayrai_url=f"har:{source}", graph_url=f"har:{source}"), writes=False)
    masker = Masker([secret for entry in har.entries for secret in entry.exchange.secrets()])

    def outcome(rule: str, api: str) -> RuleOutcome:
        return report.outcomes.setdefault(rule, RuleOutcome(rule, api, ran=True))

    def fail(rule: str, entry: HarEntry, problem: str) -> None:
        found = outcome(rule, entry.api)
        found.status = "failed"
        found.findings.append(Finding(rule, masker(f"{entry.label()}: {problem}"), source="har"))

    for entry in har.entries:
        for rule in rules_of(entry):
            outcome(rule, entry.api)
        for rule, problem in entry_problems(entry, report.errors):
            fail(rule, entry, problem)
    for rule, check in SEQUENCE_RULES.items():
        if har.entries:
            outcome(rule, "any")
        try:
            for entry, problem in check(har.entries):
                fail(rule, entry, problem)
        except Exception as error:  # a bug of the kit: reported apart, exit 3
            report.errors.append(f"{rule}: {type(error).__name__}: {error}")
    report.errors = [masker(error) for error in report.errors]
    report.requests = len(har.entries)
    report.elapsed = time.monotonic() - started
    return report


def summary(report: Report, source: Path, ignored: int) -> str:
    """One line per failure: the rule, the entry (method and masked URL) and the field as a JSON path."""
    failed = sorted(report.by_status("failed"), key=lambda o: o.rule)
    lines = [f"check of {source}: {report.requests} API entries judged, {ignored} other entries ignored"]
    listed = [(o.rule, f.message) for o in failed for f in o.findings]
    lines += [f"FAILED {rule}  {message}" for rule, message in listed[:MAX_LISTED]]
    if len(listed) > MAX_LISTED:
        lines.append(f"... and {len(listed) - MAX_LISTED} more")
    lines += [f"KIT ERROR (not a finding about the recording) {error}" for error in report.errors]
    verdict = {
        EXIT_CONFORMS: "RESULT: the recording conforms (exit 0)",
        EXIT_VIOLATIONS: f"RESULT: {len(failed)} rules violated (exit 1)",
        EXIT_KIT_ERROR: "RESULT: no violation found, but the kit could not judge everything (exit 3)",
    }[report.exit_code]
    lines += [f"{len(report.by_status('passed'))} rules passed, {len(failed)} failed", verdict]
    return "\n".join(lines)
