"""The violations the proxy saw: a tally per rule with every distinct message it gave (the first `MAX_MESSAGES`, the
rest counted) and its first example (a curl command, secrets masked), rendered
as JSON for `/__mock/violations`, as text for the shutdown summary, and as JUnit XML (one test case per rule judged,
so a CI job fails on the rules broken and lists the ones kept); plus the bounded `x-contract-violations` value."""

from __future__ import annotations

import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockserver.proxy.checks import PROXY_RULES, Breach

MAX_MESSAGES = 50  # distinct messages kept per rule; a rule broken a million ways must not hold a million texts
MAX_MESSAGE_CHARS = 1000
HEADER_LIMIT = 2048  # bytes of `x-contract-violations`: proxies and clients cap header sizes (Prism learned it)
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def header_value(rules: list[str], limit: int = HEADER_LIMIT) -> str:
    """`rule, rule, ...` in at most `limit` bytes; when cut, it ends with `... (N more)`."""
    value = ""
    for index, rule in enumerate(rules):
        candidate = f"{value}, {rule}" if value else rule
        rest = f", ... ({len(rules) - index} more)"
        if len(candidate) + (len(rest) if index < len(rules) - 1 else 0) > limit:
            return value + rest
        value = candidate
    return value


@dataclass
class RuleTally:
    rule: str
    count: int
    first_message: str
    first_request: str  # `METHOD path -> status`
    first_curl: str  # masked
    first_seen: float
    messages: dict[str, int] = field(default_factory=dict)  # distinct message -> exchanges that gave it
    more_messages: int = 0  # exchanges whose message was new past MAX_MESSAGES

    def message_lines(self) -> list[str]:
        """`message (xN)` per distinct message, then how many more were not kept."""
        lines = [f"{text} (x{count})" if count > 1 else text for text, count in self.messages.items()]
        return lines + ([f"... and {self.more_messages} more"] if self.more_messages else [])

    def add_message(self, message: str) -> None:
        message = message[:MAX_MESSAGE_CHARS]
        if message in self.messages:
            self.messages[message] += 1
        elif len(self.messages) < MAX_MESSAGES:
            self.messages[message] = 1
        else:
            self.more_messages += 1

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "count": self.count,
            "messages": [{"message": text, "count": count} for text, count in self.messages.items()],
            "more_messages": self.more_messages,
            "first": {
                "message": self.first_message,
                "exchange": self.first_request,
                "curl": self.first_curl,
                "time": self.first_seen,
            },
        }


class ViolationLog:
    def __init__(self) -> None:
        self.tallies: dict[str, RuleTally] = {}
        self.judged: dict[str, int] = {}  # rule -> exchanges judged by it
        self.exchanges = 0
        self.lock = threading.Lock()

    @property
    def total(self) -> int:
        return sum(tally.count for tally in self.tallies.values())

    def add(
        self,
        judged: list[str],
        findings: list[Breach],
        request: str,
        curl: Callable[[], str],
        mask: Callable[[str], str],
    ) -> None:
        """One exchange: the rules it was judged by, and what it broke (`curl` is rendered for a first only). Every
        text kept passes through `mask` (the exchange's secrets), so the summary and the JUnit file show none."""
        with self.lock:
            self.exchanges += 1
            for rule in judged:
                self.judged[rule] = self.judged.get(rule, 0) + 1
            for finding in findings:
                self.judged.setdefault(finding.rule, 1)
                tally = self.tallies.get(finding.rule)
                message = mask(finding.message)
                if tally is None:
                    tally = self.tallies[finding.rule] = RuleTally(
                        finding.rule, 0, message, mask(request), mask(curl()), time.time()
                    )
                tally.count += 1
                tally.add_message(message)

    def as_json(self) -> dict[str, Any]:
        rules = sorted(self.tallies.values(), key=lambda tally: (-tally.count, tally.rule))
        return {"exchanges": self.exchanges, "violations": self.total, "rules": [tally.as_json() for tally in rules]}

    def summary(self) -> str:
        if not self.tallies:
            return f"contract proxy: {self.exchanges} exchanges, no violation"
        lines = [f"contract proxy: {self.exchanges} exchanges, {self.total} violations of {len(self.tallies)} rules"]
        for tally in sorted(self.tallies.values(), key=lambda t: (-t.count, t.rule)):
            lines += [f"  {tally.rule}  x{tally.count}", *(f"    - {line}" for line in tally.message_lines())]
            lines += [f"    first: {tally.first_request}", f"    $ {tally.first_curl}"]
        return "\n".join(lines)

    def junit_xml(self) -> str:
        root = ET.Element("testsuites", name="contract-proxy")
        suite = ET.SubElement(root, "testsuite", name="contract-proxy", tests=str(len(self.judged)))
        suite.set("failures", str(len(self.tallies)))
        for rule in sorted(self.judged):
            case = ET.SubElement(suite, "testcase", classname=f"contract_proxy.{rule.split('.', 1)[0]}", name=rule)
            tally = self.tallies.get(rule)
            if tally is not None:
                message = f"{tally.count} of {self.judged[rule]} exchanges broke it; first: {tally.first_message}"
                failure = ET.SubElement(case, "failure", type="violation", message=clean(message))
                messages = "\n".join(f"- {line}" for line in tally.message_lines())
                failure.text = clean(f"{describe(rule)}\n{messages}\n{tally.first_request}\n$ {tally.first_curl}")
        ET.indent(root)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

    def write_junit(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.junit_xml(), encoding="utf-8")


def describe(rule: str) -> str:
    return PROXY_RULES.get(rule, "A rule of the conformance kit: `conformance rules` prints its text.")


def clean(text: str) -> str:
    return XML_INVALID.sub("?", text)
