"""A bounded journal of the requests the mock answered (WireMock's request journal, with a fixed memory cap)."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable
from typing import Any, NamedTuple

from mockserver.contract.secrets import mask_optional, mask_query
from mockserver.http.limits import CACHE_BYTES
from mockserver.state.cache import memo, text_size

# Every request is journaled and clients repeat their queries: each text is masked once.
masked_query = memo(CACHE_BYTES // 4, text_size)(mask_query)


class Entry(NamedTuple):
    """One answered request; a tuple, cheap to make on every request."""

    id: int
    time: float
    method: str
    path: str
    query: str
    operation_id: str | None
    status: int
    duration_ms: float
    credential: str | None
    trace: str
    scenario: str | None
    violations: tuple[str, ...] = ()  # rule ids the exchange broke (the validating proxy fills it)


def masked(fields: dict[str, Any]) -> dict[str, Any]:
    """An entry's fields with its secrets masked (the credential; tokens and proofs in the query, a batch item's
    copy of the batch's token included), before any journal keeps them, in memory or in Redis."""
    return {**fields, "credential": mask_optional(fields.get("credential")), "query": masked_query(fields["query"])}


class Journal:
    def __init__(self, capacity: int = 1000) -> None:
        self.entries: deque[Entry] = deque(maxlen=capacity)
        self.ids = itertools.count(1)
        self.recorded = 0

    def record(self, **fields: Any) -> Entry:
        entry = Entry(id=next(self.ids), **masked(fields))
        self.entries.append(entry)
        self.recorded += 1
        return entry

    @property
    def total(self) -> int:
        """Requests recorded since start, including those the bound or a reset has dropped."""
        return self.recorded

    def query(
        self,
        operation_id: str | None = None,
        status: int | None = None,
        limit: int = 100,
        violations: bool = False,
    ) -> list[dict[str, Any]]:
        """Newest first, filtered by operationId, status, and (`violations`) having broken a rule."""
        return select((entry._asdict() for entry in reversed(self.entries)), operation_id, status, limit, violations)

    def clear(self) -> None:
        self.entries.clear()

    # The admin API's view, the same for every journal: a shared one must await its store.

    async def read(
        self, operation_id: str | None, status: int | None, limit: int, violations: bool
    ) -> tuple[int, list[dict[str, Any]]]:
        """The total recorded and the entries that match (see `query`)."""
        return self.total, self.query(operation_id, status, limit, violations)

    async def drop(self) -> None:
        self.clear()


def select(
    entries: Iterable[dict[str, Any]], operation_id: str | None, status: int | None, limit: int, violations: bool
) -> list[dict[str, Any]]:
    """The first `limit` entries (newest first) that match: one filter for every journal backend."""
    found = []
    for entry in entries:
        if operation_id is not None and entry["operation_id"] != operation_id:
            continue
        if status is not None and entry["status"] != status:
            continue
        if violations and not entry["violations"]:
            continue
        found.append(entry)
        if len(found) >= limit:
            break
    return found
