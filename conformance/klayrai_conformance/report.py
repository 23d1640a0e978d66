"""What a run found, for humans (a summary where each failure names its rule, shows the request as curl and an
excerpt of the response) and for CI (JUnit XML, one test case per rule). Every line goes through the `Masker`.

Violations of the target (`failed`) and errors of the kit (`error`, plus run-level `errors`) are kept apart: the
first mean the target does not conform, the second that the kit could not tell.
"""

from __future__ import annotations

import fnmatch
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from klayrai_conformance.coverage import Tally, coverage_json
from klayrai_conformance.probes import RuleOutcome
from klayrai_conformance.rules import by_id
from klayrai_conformance.target import Target
from mockserver.contract.secrets import Masker, mask
from mockserver.contract.spec import Json

EXIT_CONFORMS, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_KIT_ERROR = 0, 1, 2, 3
MAX_SHOWN_PER_RULE = 3
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class Report:
    target: Target
    writes: bool
    outcomes: dict[str, RuleOutcome] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # errors of the kit not tied to one rule
    requests: int = 0
    seed: int | None = None
    elapsed: float = 0.0
    cut_short: list[str] = field(default_factory=list)  # what the time budget cut short, if anything
    coverage: Tally = field(default_factory=Tally)  # which documented responses the target gave
    notes: list[str] = field(default_factory=list)  # what the run left out by design

    def by_status(self, status: str) -> list[RuleOutcome]:
        return [outcome for outcome in self.outcomes.values() if outcome.status == status]

    @property
    def exit_code(self) -> int:
        if self.by_status("failed") or self.unmet:
            return EXIT_VIOLATIONS
        if self.by_status("error") or self.errors or self.cut_short:
            return EXIT_KIT_ERROR
        return EXIT_CONFORMS

    @property
    def unmet(self) -> list[str]:
        """Each rule the run had to judge (`--require-rules`, `--fail-on-skip`) but did not, with why."""
        unmet = {}
        for pattern in self.target.required_rules:
            matched = [o for rule, o in self.outcomes.items() if fnmatch.fnmatchcase(rule, pattern)]
            if not matched:
                unmet[pattern] = f"{pattern}: no rule of this run matches it (left out by --api or --rules)"
            for outcome in matched:
                if outcome.status in ("skipped", "error"):
                    unmet[outcome.rule] = f"{outcome.rule}: {outcome.status}: {outcome.reason}"
        if self.target.fail_on_skip:
            for outcome in self.by_status("skipped"):
                unmet.setdefault(outcome.rule, f"{outcome.rule}: skipped: {outcome.reason}")
        return sorted(unmet.values())

    @property
    def masker(self) -> Masker:
        return Masker(self.target.secrets)

    def coverage_json(self) -> Json:
        """The coverage report (`--coverage`): every documented response, how often the target gave it."""
        return coverage_json(self.coverage, {rule: outcome.status for rule, outcome in self.outcomes.items()})


def finding_lines(outcome: RuleOutcome, indent: str = "", excerpt: int | None = None) -> list[str]:
    """A failed rule's findings as text: each message with its source, then the request as curl and the answer."""
    lines = []
    for finding in outcome.findings:
        lines.append(f"[{finding.source}] {finding.message}")
        if finding.exchange is not None:
            answer = finding.exchange.excerpt() if excerpt is None else finding.exchange.excerpt(excerpt)
            lines += [f"{indent}$ {finding.exchange.curl()}", f"{indent}< {answer}"]
    return lines


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def describe_target(report: Report) -> list[str]:
    target, credentials = report.target, report.target.credentials
    urls = ", ".join(f"{api}={target.url_for(api)}" for api in target.apis)
    seed = report.seed if report.seed is not None else target.seed
    lines = [
        f"conformance of {urls}",
        f"  profile {target.profile}, max-examples {target.max_examples}, seed {seed}, workers {target.workers}, "
        f"phases {','.join(target.phases)}, writes {'allowed' if report.writes else 'off (read-only)'}, "
        f"budget {target.budget:g} s, request timeout {target.request_timeout:g} s",
    ]
    shown = []
    if "klayrai" in target.apis and credentials.klayrai_key:
        shown.append(f"klayrai key {mask(credentials.klayrai_key)}")
    if "meta" in target.apis and credentials.graph_token:
        shown.append(f"graph token {mask(credentials.graph_token)} business {credentials.graph_business}")
    if shown:
        source = " (the default mock world's: loopback target)" if target.used_mock_defaults else ""
        lines.append("  credentials: " + ", ".join(shown) + source)
    return lines


def summary(report: Report, verbose: bool = False) -> str:
    rules = by_id()
    lines = describe_target(report)
    for outcome in sorted(report.outcomes.values(), key=lambda o: o.rule):
        if outcome.status == "failed":
            total = sum(f.count for f in outcome.findings)
            lines += ["", f"FAILED  {outcome.rule}  ({total} violation{'s' * (total != 1)})"]
            if outcome.rule in rules:
                lines.append(f"  rule: {rules[outcome.rule].description}")
            for number, finding in enumerate(outcome.findings[:MAX_SHOWN_PER_RULE], start=1):
                repeat = f" (x{finding.count})" if finding.count > 1 else ""
                lines.append(_indent(f"{number}) [{finding.source}] {finding.message}{repeat}", "  "))
                if finding.exchange is not None:
                    lines.append(f"     $ {finding.exchange.curl()}")
                    lines.append(f"     < {finding.exchange.excerpt()}")
            if len(outcome.findings) > MAX_SHOWN_PER_RULE:
                lines.append(f"  ... and {len(outcome.findings) - MAX_SHOWN_PER_RULE} more")
            if outcome.reason:
                lines.append(f"  (the probe also stopped: {outcome.reason})")
    errors = [f"{o.rule}: {o.reason}" for o in report.by_status("error")] + report.errors
    if errors:
        lines += ["", "ERRORS OF THE KIT (not findings about the target):"]
        lines += [_indent(error, "  ") for error in errors]
    skipped = report.by_status("skipped")
    if skipped:
        lines.append("")
        lines += [f"skipped: {o.rule}: {o.reason}" for o in sorted(skipped, key=lambda o: o.rule)]
    if verbose:
        lines.append("")
        lines += [f"passed: {o.rule}" for o in sorted(report.by_status("passed"), key=lambda o: o.rule)]
    if report.notes:
        lines += ["", *(f"note: {note}" for note in report.notes)]
    if report.cut_short:
        lines += ["", f"CUT SHORT by the time budget ({report.target.budget:g} s, --budget):"]
        lines += [f"  {reason}" for reason in report.cut_short]
    unmet = report.unmet
    if unmet:
        lines += ["", "REQUIRED BUT NOT JUDGED (--require-rules, --fail-on-skip):", *(f"  {line}" for line in unmet)]
    counts = {status: len(report.by_status(status)) for status in ("passed", "failed", "skipped", "error")}
    covered = report.coverage_json()["summary"]
    lines += [
        "",
        f"coverage: {covered['percent']}% of the documented responses seen ({covered['seen']} of "
        f"{covered['documented']}; --coverage FILE lists them)",
    ]
    violated = f"{counts['failed']} rules violated" + (f", {len(unmet)} required rules not judged" if unmet else "")
    lines += [
        "",
        f"{counts['passed'] + counts['failed']} rules run ({counts['passed']} passed, {counts['failed']} failed), "
        f"{counts['skipped']} skipped, {counts['error'] + len(report.errors)} kit errors; "
        f"{report.requests} requests in {report.elapsed:.1f} s",
        {
            EXIT_CONFORMS: "RESULT: the target conforms (exit 0)",
            EXIT_VIOLATIONS: f"RESULT: {violated} (exit 1)",
            EXIT_KIT_ERROR: "RESULT: no violation found, but the kit could not check everything "
            + ("(cut short by the time budget) " if report.cut_short else "")
            + "(exit 3)",
        }[report.exit_code],
    ]
    return report.masker("\n".join(lines))


def junit_xml(report: Report) -> str:
    """JUnit XML: a suite per API, a test case per rule; failures carry the curl command and response excerpt."""
    mask_text = report.masker

    def masker(text: str) -> str:
        return XML_INVALID.sub("?", mask_text(text))

    root = ET.Element("testsuites", name="conformance", time=f"{report.elapsed:.3f}")
    suites: dict[str, ET.Element] = {}
    for outcome in sorted(report.outcomes.values(), key=lambda o: o.rule):
        suite_name = outcome.rule.split(".", 1)[0]
        suite = suites.get(suite_name)
        if suite is None:
            suite = suites[suite_name] = ET.SubElement(root, "testsuite", name=suite_name)
        case = ET.SubElement(
            suite, "testcase", classname=f"conformance.{suite_name}", name=outcome.rule, time=f"{outcome.elapsed:.3f}"
        )
        if outcome.status == "failed":
            element = ET.SubElement(case, "failure", type="violation", message=masker(outcome.findings[0].message))
            element.text = masker("\n".join(finding_lines(outcome, excerpt=1000)))
        elif outcome.status == "error":
            ET.SubElement(case, "error", type="kit_error", message=masker(outcome.reason))
        elif outcome.status == "skipped":
            ET.SubElement(case, "skipped", message=masker(outcome.reason))
    if report.errors or report.cut_short or report.unmet:
        suite = ET.SubElement(root, "testsuite", name="kit")
        for number, error in enumerate(report.errors, start=1):
            case = ET.SubElement(suite, "testcase", classname="conformance.kit", name=f"error_{number}")
            ET.SubElement(case, "error", type="kit_error", message=masker(error.splitlines()[0])).text = masker(error)
        if report.cut_short:
            case = ET.SubElement(suite, "testcase", classname="conformance.kit", name="time_budget")
            message = f"cut short by the time budget ({report.target.budget:g} s): " + "; ".join(report.cut_short)
            ET.SubElement(case, "error", type="cut_short", message=masker(message))
        if report.unmet:
            case = ET.SubElement(suite, "testcase", classname="conformance.kit", name="required_rules")
            message = f"{len(report.unmet)} required rules not judged"
            ET.SubElement(case, "failure", type="not_judged", message=message).text = masker("\n".join(report.unmet))
    for suite in root:
        cases = list(suite)
        suite.set("tests", str(len(cases)))
        for tag, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            suite.set(attribute, str(sum(1 for case in cases if case.find(tag) is not None)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(report), encoding="utf-8")
