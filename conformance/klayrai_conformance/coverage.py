"""Which documented responses the target gave during a run (`--coverage FILE.json`): every answer the kit got, from
its probes and from schemathesis, is classified by its status and error fields against the contract's named
examples, and counted.

The unit counted is `mockserver.contract.responses`' documented response (one per status, split by named example
where the contract names several answers under one status). An answer whose status, or error identity under a
split status, the operation does not document is counted apart as undocumented (at most `MAX_UNDOCUMENTED_KINDS`
kinds are kept, the rest summed under one line).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from klayrai_conformance import transport_rules
from klayrai_conformance.exchange import Exchange
from klayrai_conformance.probes import RuleOutcome
from klayrai_conformance.target import TAG_API
from mockserver.contract.operations import Operations
from mockserver.contract.responses import (
    MAX_UNDOCUMENTED_KINDS,
    OTHER_KINDS,
    DocumentedResponse,
    ResponseKey,
    all_documented,
    body_identity,
    coverage_report,
)
from mockserver.contract.responses import answer_kind as kind_of
from mockserver.contract.responses import classify as match
from mockserver.contract.spec import Json, default_contract


@functools.cache
def documented() -> dict[str, list[DocumentedResponse]]:
    return all_documented(default_contract())


@functools.cache
def _table() -> Operations:
    return Operations.compile(default_contract())


def api_of(operation_id: str) -> str:
    """The API an operation belongs to, from its openapi.yaml tag."""
    tags = default_contract().operations[operation_id].tags
    return next((TAG_API[tag] for tag in tags if tag in TAG_API), "any")


def operation_at(method: str, url: str, bases: list[str]) -> str | None:
    """The operation a request to `url` reached, its path taken relative to the longest base URL it starts with."""
    base = max((b for b in bases if url.startswith(b)), key=len, default=None)
    if base is None:
        return None
    path = urlsplit(url[len(base) :] or "/").path or "/"
    path = path if path.startswith("/") else "/" + path
    operation = _table().route(method.upper(), path).operation  # the contract's one compiled table decides
    return None if operation is None else operation.operation_id


def classify(operation_id: str, status: int, body: bytes) -> DocumentedResponse | None:
    """The documented response an answer is (`mockserver.contract.responses.classify`), from its raw body."""
    return match(documented().get(operation_id, []), status, body_identity(body))


def answer_kind(status: int, body: bytes) -> str:
    """How an undocumented answer is listed: its status and error identity."""
    return kind_of(status, body_identity(body))


@dataclass
class Tally:
    """Answers counted per documented response; the rules that judged each operation."""

    counts: Counter[ResponseKey] = field(default_factory=Counter)
    undocumented: dict[str, Counter[str]] = field(default_factory=dict)  # operationId -> answer kind -> count
    judged: dict[str, set[str]] = field(default_factory=dict)  # operationId -> rule ids
    outside: int = 0  # answers to requests no operation of the contract serves

    def add(self, operation_id: str | None, status: int, body: bytes, rules: Iterable[str] = ()) -> None:
        """One answer to a request of `operation_id` (None: no operation serves it), judged by `rules`."""
        if operation_id is None:
            self.outside += 1
            return
        self.judged.setdefault(operation_id, set()).update(rules)
        response = classify(operation_id, status, body)
        if response is not None:
            self.counts[response.key] += 1
            return
        kinds = self.undocumented.setdefault(operation_id, Counter())
        kind = answer_kind(status, body)
        total = sum(len(counter) for counter in self.undocumented.values())
        kinds[kind if kind in kinds or total < MAX_UNDOCUMENTED_KINDS else OTHER_KINDS] += 1

    def add_probes(self, journal: list[Exchange], outcomes: Iterable[RuleOutcome], bases: list[str]) -> None:
        """Every answer the probes got (the transport rules judged each), and the probes that judged each operation:
        those whose requests, or for a passive probe the requests it re-read, reached it (operations of its API)."""
        operations = [operation_at(exchange.method, exchange.url, bases) for exchange in journal]
        for exchange, operation_id in zip(journal, operations, strict=True):
            self.add(operation_id, exchange.status, exchange.body, transport_rules.RULES)
        for outcome in outcomes:
            start, end = outcome.journal_span
            for operation_id in set(operations[start:end]) - {None}:
                if api_of(operation_id) == outcome.api:
                    self.judged[operation_id].add(outcome.rule)

    def merge(self, other: Tally) -> None:
        self.counts.update(other.counts)
        for operation_id, kinds in other.undocumented.items():
            self.undocumented.setdefault(operation_id, Counter()).update(kinds)
        for operation_id, rules in other.judged.items():
            self.judged.setdefault(operation_id, set()).update(rules)
        self.outside += other.outside


def coverage_json(tally: Tally, outcomes: dict[str, str]) -> Json:
    """The report: `mockserver.contract.responses`' shape, each operation with the rules that judged it (and their
    outcome: passed, failed, skipped, error) and its undocumented answers; `outcomes` is rule id -> outcome."""
    extra: dict[str, Json] = {}
    for operation_id in default_contract().operations:
        rules = sorted(rule for rule in tally.judged.get(operation_id, ()) if rule in outcomes)
        kinds = tally.undocumented.get(operation_id, Counter())
        extra[operation_id] = {
            "rules": [{"rule": rule, "outcome": outcomes[rule]} for rule in rules],
            "undocumented": [{"answer": kind, "seen": count} for kind, count in sorted(kinds.items())],
        }
    report = coverage_report(default_contract(), tally.counts, extra)
    report["outside"] = tally.outside
    return report
