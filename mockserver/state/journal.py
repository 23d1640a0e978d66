"""A bounded journal of the requests the mock answered (WireMock's request journal, with a fixed memory cap)."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol

from mockserver.contract.secrets import mask_optional, mask_query
from mockserver.http.limits import CACHE_BYTES
from mockserver.settings import Settings
from mockserver.state.cache import memo, text_size

# Every request is journaled and clients repeat their queries: each text is masked once.
masked_query = memo(CACHE_BYTES // 4, text_size)(mask_query)


class Whole(Protocol):
    """What an entry keeps of its whole exchange (`mockserver.controls.exchange_record.Captured`): raw until read."""

    size: int  # what `--journal-bytes` counts: bodies kept, URL, headers

    def fields(self) -> dict[str, Any]:
        """url, request_headers, request_body, response_headers, response_body, body_sizes, truncated, timings,
        shaped_by, size: secrets masked, bodies capped (see `EMPTY`)."""
        ...


# An entry's whole-exchange fields when it kept none (a proxy journal that keeps summaries only).
EMPTY: dict[str, Any] = {
    "url": "",
    "request_headers": (),
    "request_body": "",
    "response_headers": (),
    "response_body": "",
    "body_sizes": (0, 0),  # the request's and the response's bodies as sent, before the cap
    "truncated": (),  # "request", "response": which bodies the cap cut
    "timings": None,  # milliseconds: `wait` (answering, latency included), `receive`
    "shaped_by": None,  # {"kind": behaviour|prefer|scenario|rate_limit|proxy|upstream, "name": ...}
    "size": 0,
}


class Entry(NamedTuple):
    """One answered request; a tuple, cheap to make on every request. Its credential and query are kept as sent
    and masked by `shown`, like the whole exchange: nothing leaves the process unmasked, and the request's way
    pays for no masking."""

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
    exchange: Whole | None = None


class Recorded(Protocol):
    """What a journal keeps: an `Entry`, or what makes its fields on read (the mock's own answers, whose fields are
    worked out off the request's way: `mockserver.controls.exchange_record.Answered`)."""

    @property
    def exchange(self) -> Whole | None: ...

    def _asdict(self) -> dict[str, Any]:
        """The fields of `Entry`."""
        ...


class View(NamedTuple):
    """What a read of the journal shows, on every store."""

    total: int  # recorded since start or the last reset
    dropped: int  # recorded but no longer kept (pushed out by the bounds)
    entries: list[dict[str, Any]]  # the matching entries, newest first


def shown(fields: dict[str, Any]) -> dict[str, Any]:
    """An entry (`Entry._asdict()`) as every reader sees it, in memory, in Redis, in a HAR or a stream: its
    credential, its query (tokens, proofs, a batch item's copy of the batch's token) and its whole exchange
    masked."""
    whole = fields.pop("exchange", None)
    fields["credential"] = mask_optional(fields["credential"])
    fields["query"] = masked_query(fields["query"])
    fields.update(EMPTY if whole is None else whole.fields())
    return fields


def held(entry: Recorded) -> int:
    return entry.exchange.size if entry.exchange is not None else 0


class Journal:
    """The newest entries, at most `capacity` of them holding at most `byte_limit` together; the oldest go first."""

    def __init__(self, capacity: int = 1000, byte_limit: int = Settings.journal_bytes) -> None:
        self.capacity = capacity
        self.byte_limit = byte_limit
        self.entries: deque[Recorded] = deque()
        self.ids = itertools.count(1)
        self.recorded = 0
        self.held = 0  # sum of the kept entries' `size`
        self.pushed_out = 0  # entries the bounds dropped (a clear is not counted)

    @property
    def keeping(self) -> bool:
        """False under `--journal-size 0`: entries are counted, not kept, and no exchange need be captured."""
        return self.capacity > 0

    def next_id(self) -> int:
        """The id of the entry about to be recorded (a shared journal's store gives its own: 0 here)."""
        return next(self.ids)

    def record(self, entry: Recorded) -> Recorded:
        """Keep `entry` (its id from `next_id`), pushing out the oldest past the bounds."""
        self.recorded += 1
        if not self.capacity:
            return entry
        entries = self.entries
        entries.append(entry)
        self.held += held(entry)
        while len(entries) > self.capacity or (self.held > self.byte_limit and len(entries) > 1):
            self.held -= held(entries.popleft())
            self.pushed_out += 1
        return entry

    @property
    def dropped(self) -> int:
        """Entries the bounds pushed out since start: what `GET /__mock/journal` shows as `dropped`."""
        return self.pushed_out

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
        since: float | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first, filtered by operationId, status, (`violations`) having broken a rule, and recorded at or
        after `since` (epoch seconds)."""
        entries = (entry._asdict() for entry in reversed(self.entries))
        return [shown(entry) for entry in select(entries, operation_id, status, limit, violations, since)]

    def clear(self) -> None:
        self.entries.clear()
        self.held = 0

    # The admin API's view, the same for every journal: a shared one must await its store.

    async def read(
        self,
        operation_id: str | None,
        status: int | None,
        limit: int,
        violations: bool,
        since: float | None = None,
    ) -> View:
        """The total recorded, the entries the bounds dropped, and the entries that match (see `query`)."""
        return View(self.total, self.dropped, self.query(operation_id, status, limit, violations, since))

    async def drop(self) -> None:
        self.clear()


def select(
    entries: Iterable[dict[str, Any]],
    operation_id: str | None,
    status: int | None,
    limit: int,
    violations: bool,
    since: float | None = None,
) -> list[dict[str, Any]]:
    """The first `limit` entries (newest first) that match: one filter for every journal backend."""
    found = []
    for entry in entries:
        if since is not None and entry["time"] < since:
            continue  # several workers may write a shared journal slightly out of order: no early stop
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
