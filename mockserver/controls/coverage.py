"""The mock's coverage of its consumers (`GET /__mock/coverage`): which documented responses it answered since
start or the last reset, in the shape of the kit's coverage report (`mockserver.contract.responses`), so a team
sees which answers its client was never tested against.

Every answer the pipeline writes (real behaviour, `Prefer`, a scenario, a rate limit, a batch item) is classified
here by its operationId, wire status and error identity, into a counter name the state backend counts without
knowing what it means: `["response", operationId, status, example]` for a documented response,
`["undocumented", operationId, kind]` for an answer the operation does not document, `"outside"` for a request no
operation serves. The names are a bounded set: the contract's documented responses, at most
`MAX_UNDOCUMENTED_KINDS` kinds per process, and `"outside"`. The validating proxy counts what a real backend
answered the same way.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockserver.contract.responses import (
    MAX_UNDOCUMENTED_KINDS,
    OTHER_KINDS,
    ErrorIdentity,
    ResponseKey,
    all_documented,
    answer_kind,
    classify,
    coverage_report,
    summary,
)
from mockserver.contract.spec import Contract, Json

OUTSIDE = "outside"
MAX_REMEMBERED = 4096  # answers (operation, status, identity) whose counter name is kept rather than found again


class Coverage:
    """Classifies answers into counter names (cheap: one dict lookup for an answer seen before) and builds the
    report from the counts."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.documented = all_documented(contract)
        self.names: dict[tuple[str, int, ErrorIdentity], str] = {}
        self.kinds: set[str] = set()  # undocumented kinds this process has named

    def name(self, operation_id: str | None, status: int, identity: ErrorIdentity) -> str:
        """The counter an answer counts under: `identity` is its error identity, None for a success."""
        if operation_id is None:
            return OUTSIDE
        key = (operation_id, status, identity)
        name = self.names.get(key)
        if name is None:
            name = self.classify(operation_id, status, identity)
            if len(self.names) < MAX_REMEMBERED:
                self.names[key] = name
        return name

    def classify(self, operation_id: str, status: int, identity: ErrorIdentity) -> str:
        response = classify(self.documented.get(operation_id, []), status, identity)
        if response is not None:
            return json.dumps(["response", *response.key])
        kind = answer_kind(status, identity)
        if kind not in self.kinds and len(self.kinds) >= MAX_UNDOCUMENTED_KINDS:
            kind = OTHER_KINDS
        self.kinds.add(kind)
        return json.dumps(["undocumented", operation_id, kind])

    def report(self, counts: Mapping[str, int]) -> Json:
        """The report of counted answers; names this contract does not know (another version's) are left out."""
        responses: Counter[ResponseKey] = Counter()
        undocumented: dict[str, Counter[str]] = {operation_id: Counter() for operation_id in self.contract.operations}
        for name, seen in counts.items():
            parts = parse(name)
            if parts[:1] == ["response"] and len(parts) == 4:
                responses[(parts[1], parts[2], parts[3])] += seen
            elif parts[:1] == ["undocumented"] and len(parts) == 3 and parts[1] in undocumented:
                undocumented[parts[1]][parts[2]] += seen
        extra = {operation_id: {"undocumented": listed(kinds)} for operation_id, kinds in undocumented.items()}
        return {**coverage_report(self.contract, responses, extra), "outside": int(counts.get(OUTSIDE, 0))}


def parse(name: str) -> list[Any]:
    if name == OUTSIDE:
        return [OUTSIDE]
    try:
        parts = json.loads(name)
    except ValueError:
        return []
    return parts if isinstance(parts, list) else []


def listed(kinds: Counter[str]) -> list[Json]:
    return [{"answer": kind, "seen": count} for kind, count in sorted(kinds.items())]


def merged(first: Json, second: Json) -> Json:
    """Two reports of one contract as one (a test session's, across the resets between its tests)."""
    operations = []
    for mine, theirs in zip(first["operations"], second["operations"], strict=True):
        responses = [
            {**entry, "seen": entry["seen"] + other["seen"]}
            for entry, other in zip(mine["responses"], theirs["responses"], strict=True)
        ]
        kinds = Counter({item["answer"]: item["seen"] for item in mine["undocumented"]})
        for item in theirs["undocumented"]:
            known = item["answer"] in kinds or len(kinds) < MAX_UNDOCUMENTED_KINDS
            kinds[item["answer"] if known else OTHER_KINDS] += item["seen"]
        operations.append({**mine, "responses": responses, "undocumented": listed(kinds)})
    return {"operations": operations, "summary": summary(operations), "outside": first["outside"] + second["outside"]}


def coverage_endpoint(
    counts: Callable[[], Awaitable[Mapping[str, int]]], coverage: Coverage
) -> Callable[[Request], Awaitable[Response]]:
    """`GET /__mock/coverage`: the answers counted (the mock's: every process's since start or the last reset, from
    its state; the proxy's: the backend's since the proxy started)."""

    async def endpoint(request: Request) -> Response:
        return JSONResponse(coverage.report(await counts()))

    return endpoint
