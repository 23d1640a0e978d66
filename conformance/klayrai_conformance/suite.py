"""The kit as pytest tests: one test per rule id, passed, failed (the target broke the rule), skipped (with the
reason), or errored (the kit could not check it). Run it with `pytest --pyargs
klayrai_conformance.suite --base-url URL`; see `klayrai_conformance.pytest_plugin`.
"""

from __future__ import annotations

import pytest

from klayrai_conformance.http import KitError  # raised in setup: pytest reports it as ERROR, not a failed rule
from klayrai_conformance.probes import RuleOutcome
from klayrai_conformance.report import Report, finding_lines
from klayrai_conformance.rules import FIXTURE_ONLY, catalogue

RULES = [rule.id for rule in catalogue() if rule.id not in FIXTURE_ONLY]


@pytest.fixture
def outcome(request: pytest.FixtureRequest, conformance_report: Report) -> RuleOutcome:
    found = conformance_report.outcomes.get(request.param)
    if found is None:
        pytest.skip("not selected in this run (--api or --rules)")
    if found.status == "error":
        raise KitError(conformance_report.masker(found.reason))
    return found


@pytest.mark.parametrize("outcome", RULES, ids=RULES, indirect=True)
def test_rule(outcome: RuleOutcome, conformance_report: Report) -> None:
    if outcome.status == "skipped":
        pytest.skip(outcome.reason)
    if outcome.status == "failed":
        pytest.fail(conformance_report.masker("\n".join(finding_lines(outcome, indent="  "))), pytrace=False)


def test_kit_ran_cleanly(conformance_report: Report) -> None:
    """Errors of the kit that belong to no rule (schemathesis could not send a request, ...), and a run its time
    budget cut short."""
    problems = [*conformance_report.errors, *(f"cut short: {cut}" for cut in conformance_report.cut_short)]
    if problems:
        raise KitError(conformance_report.masker("\n".join(problems)))


def test_required_rules_were_judged(conformance_report: Report) -> None:
    """`--require-rules` and `--fail-on-skip` (in `--conformance-args`): each rule asked for that did not run."""
    if conformance_report.unmet:
        lines = ["required but not judged:", *conformance_report.unmet]
        pytest.fail(conformance_report.masker("\n".join(lines)), pytrace=False)
