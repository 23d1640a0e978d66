"""The documented responses of every operation, the unit both coverage reports count (the kit's of what a target
answered, the mock's of what it answered), and the report's JSON shape built from those counts.

One entry per documented status, split by named example only where the examples under that status name different
answers: a different error identity, the envelope's `error.code` plus Graph's `error.error_subcode` (KlayrAI has no
subcode). Examples of one identity (`graph_100`, `graph_100_field`, ...) are one entry, named after the first of them
in the contract's order; a status whose examples all share one identity (every success shape, KlayrAI's 400s) is one
entry with example None. openapi.yaml's `x-coverage` annotation says the same for readers of the contract.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver.contract.spec import Contract, Json

# (error.code, error.error_subcode): what names one answer among several under a status; None for a success shape
ErrorIdentity = tuple[Any, Any] | None
# (operationId, status, example name or None): one documented response, as counted
ResponseKey = tuple[str, str, str | None]
MAX_UNDOCUMENTED_KINDS = 50  # kinds of undocumented answers a report lists; the rest are summed under OTHER_KINDS
OTHER_KINDS = "(other kinds, past the limit)"
MAX_CODE_CHARS = 40  # of an undocumented answer's error code as listed: the answering side chooses it


@dataclass(frozen=True)
class DocumentedResponse:
    """One countable documented response; `identities` are the error identities an answer of it carries."""

    operation_id: str
    status: str
    example: str | None
    identities: frozenset[ErrorIdentity]
    examples: tuple[str, ...]  # the named examples it stands for

    @property
    def key(self) -> ResponseKey:
        return (self.operation_id, self.status, self.example)


def error_identity(body: Any) -> ErrorIdentity:
    """The error identity of a decoded body: None for anything but an error envelope."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or "code" not in error:
        return None
    return (_scalar(error["code"]), _scalar(error.get("error_subcode")))


def _scalar(part: Any) -> Any:
    """A JSON scalar as it is, anything else as its JSON text: an identity must be hashable, whatever was answered."""
    return part if part is None or isinstance(part, str | int | float) else json.dumps(part, sort_keys=True)


def body_identity(body: bytes) -> ErrorIdentity:
    """The error identity of an answer's raw body (None when it is not JSON, nests too deeply for the parser, or is
    not an error envelope): a body from a backend under test may be anything."""
    try:
        return error_identity(json.loads(body))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def classify(
    responses: Sequence[DocumentedResponse], status: int, identity: ErrorIdentity
) -> DocumentedResponse | None:
    """The documented response an answer is: same status and, where the contract names the answers, same error
    identity; None when the operation documents no such answer."""
    for response in responses:
        if response.status == str(status) and (not response.identities or identity in response.identities):
            return response
    return None


def answer_kind(status: int, identity: ErrorIdentity) -> str:
    """How an undocumented answer is listed: its status and error identity."""
    if identity is None:
        return str(status)
    code, subcode = (str(part)[:MAX_CODE_CHARS] for part in identity)
    return f"{status} error code {code}" + (f" subcode {subcode}" if identity[1] is not None else "")


def documented_responses(contract: Contract, operation_id: str) -> list[DocumentedResponse]:
    """The operation's documented responses in the contract's order (statuses, then examples)."""
    found = []
    for status, response in contract.responses(operation_id).items():
        groups: dict[ErrorIdentity, list[str]] = {}
        for name, example in contract.response_examples(response, int(status) if status.isdigit() else 0).items():
            groups.setdefault(error_identity(example.value), []).append(name)
        if len(groups) < 2:
            found.append(DocumentedResponse(operation_id, status, None, frozenset(groups), tuple(_flat(groups))))
            continue
        for identity, names in groups.items():
            found.append(DocumentedResponse(operation_id, status, names[0], frozenset([identity]), tuple(names)))
    return found


def _flat(groups: Mapping[ErrorIdentity, list[str]]) -> list[str]:
    return [name for names in groups.values() for name in names]


def all_documented(contract: Contract) -> dict[str, list[DocumentedResponse]]:
    """operationId -> its documented responses, for every operation of the contract."""
    return {operation_id: documented_responses(contract, operation_id) for operation_id in contract.operations}


def coverage_report(
    contract: Contract, counts: Mapping[ResponseKey, int], extra: Mapping[str, Json] | None = None
) -> Json:
    """The coverage report's JSON: every operation with its documented responses and how many answers of each were
    seen, and `summary.percent`, the share of documented responses seen at least once. `extra` adds fields to an
    operation's object (the kit adds the rules that judged it)."""
    operations = []
    for operation_id, responses in all_documented(contract).items():
        operation = contract.operations[operation_id]
        entries = [{"status": r.status, "example": r.example, "seen": int(counts.get(r.key, 0))} for r in responses]
        item: Json = {"operationId": operation_id, "method": operation.method, "path": operation.path}
        operations.append({**item, "responses": entries, **(extra or {}).get(operation_id, {})})
    return {"operations": operations, "summary": summary(operations)}


def summary(operations: list[Json]) -> Json:
    """`percent`, the share of documented responses seen at least once (one decimal), `seen` and `documented`."""
    entries = [entry for operation in operations for entry in operation["responses"]]
    seen = sum(1 for entry in entries if entry["seen"])
    percent = round(100.0 * seen / len(entries), 1) if entries else 100.0
    return {"percent": percent, "seen": seen, "documented": len(entries)}


def never_seen(report: Json) -> list[str]:
    """The documented responses of a report no answer matched, one line each."""
    return [
        f"{operation['operationId']} {entry['status']}" + (f" {entry['example']}" if entry["example"] else "")
        for operation in report["operations"]
        for entry in operation["responses"]
        if not entry["seen"]
    ]
