"""What the journal keeps of one whole exchange: the request and the answer as they crossed the wire, secrets
masked by the one masking rule (`mockserver.contract.secrets`), each body capped, plus what shaped the answer.

Kept by reference on the request's way out, and masked, decoded and cut on the first read: the bodies are bytes and
the header maps are never written again once answered, so holding them costs the request nothing, and the secrets
they carry never leave the process unmasked (every read of the journal, its HAR, its stream and the copy a shared
journal sends to Redis go through `Captured.fields`).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from itertools import chain
from typing import Any, NamedTuple

from mockserver.contract.secrets import SECRET_HEADERS, Masker, mask, mask_query
from mockserver.exchange import RequestContext
from mockserver.state.journal import Entry, Journal

Pairs = tuple[tuple[str, str], ...]
# Bytes kept past the cap until the body is masked: a secret the cap cuts through is masked whole, then cut.
MARGIN = 4096
# What the content headers of the mock's answer count: their names, and a length at its widest (20 digits).
CONTENT_LENGTH = len("content-typecontent-length") + 20


Shaped = tuple[str, str | None]  # what decided the answer: its kind and name (`shaped_by` in the journal)


def shaped_by(kind: str, name: str | None = None) -> Shaped:
    """What decided the answer: `behaviour` (the API's own), `prefer`, `scenario` (a named rule), `rate_limit`;
    for the proxy, `upstream` or `proxy`."""
    return kind, name


@functools.lru_cache(maxsize=256)
def masker_for(secrets: tuple[str, ...]) -> Masker:
    """One masker per set of known secrets: clients repeat their credentials, so it is built once for each."""
    return Masker(secrets)


def shaping(exchange: RequestContext) -> Shaped:
    """What shaped the mock's answer: a `Prefer` header wins over a scenario rule, both over a rate limit."""
    if exchange.scenario == "prefer":
        return shaped_by("prefer", exchange.incoming.headers.get("prefer"))
    if exchange.scenario:
        return shaped_by("scenario", exchange.scenario)
    if exchange.usage is not None and exchange.usage.exceeded:
        return shaped_by("rate_limit", f"{exchange.usage.limit} requests")
    return shaped_by("behaviour", exchange.operation_id)


class Written(NamedTuple):
    """An answer as written: its content type and length go first, then `headers` (a map or pairs)."""

    content_type: str | None  # None: `headers` are all there is (an upstream's answer, relayed)
    headers: Mapping[str, str] | Pairs
    body: bytes
    length: int | None = None  # the Content-Length written, when not the body's (a HEAD's: the GET's, no body)

    def pairs(self) -> Pairs:
        listed = tuple(self.headers.items()) if isinstance(self.headers, Mapping) else self.headers
        if self.content_type is None:
            return listed
        return (("content-type", self.content_type), ("content-length", str(self.content_length)), *listed)

    @property
    def content_length(self) -> int:
        return len(self.body) if self.length is None else self.length


class Captured:
    """The journal fields of one exchange beyond its summary (method, path, status...), kept raw: `size` is what
    the journal's byte bound counts (bodies kept, URL, headers); `fields()` masks, decodes and caps, once.
    `secrets` are those known to be in the exchange, masked wherever they appear, besides whatever stands where a
    secret stands (`Masker`). Nothing here is written again once answered: bodies are bytes, and header maps are
    the request's own and the answer's, made for this exchange."""

    __slots__ = ("_fields", "body_limit", "raw", "secrets", "size")

    def __init__(
        self,
        url: str,
        query: str,
        request_headers: Mapping[str, str],
        request_body: bytes,
        answer: Written,
        secrets: tuple[str, ...],
        body_limit: int,
        timings: tuple[float, float],
        shaped: Shaped,
    ) -> None:
        request_body, body, sizes = kept_bodies(request_body, answer.body, body_limit)
        answer = answer if sizes is None else answer._replace(body=body)
        self.raw = (url, query, request_headers, request_body, answer, timings, shaped, sizes)
        self.secrets = secrets
        self.body_limit = body_limit
        texts = [url, query, *request_headers, *request_headers.values(), *chain.from_iterable(answer.pairs())]
        self.size = held_bytes(request_body, body, body_limit, texts)
        self._fields: dict[str, Any] | None = None

    def fields(self) -> dict[str, Any]:
        if self._fields is None:
            self._fields = self.masked()
        return self._fields

    def parts(self) -> tuple[Any, ...]:
        """url, query, request headers, request body, the answer `Written`, timings, `Shaped`, and the bodies' sizes
        when they were cut to the kept length (else None)."""
        return self.raw

    def masked(self) -> dict[str, Any]:
        url, query, request_headers, request_body, answer, timings, shaped, sizes = self.parts()
        masker = masker_for(self.secrets)
        request_text, request_cut = capped_text(request_body, self.body_limit, masker)
        response_text, response_cut = capped_text(answer.body, self.body_limit, masker)
        return {
            "url": f"{url}?{mask_query(query)}" if query else url,
            "request_headers": masked_headers(request_headers),
            "request_body": request_text,
            "response_headers": answer.pairs(),  # written by the mock or the upstream: no credential header
            "response_body": response_text,
            "body_sizes": sizes or (len(request_body), len(answer.body)),
            "truncated": (*(("request",) if request_cut else ()), *(("response",) if response_cut else ())),
            "timings": {"wait": round(timings[0], 3), "receive": round(timings[1], 3)},
            "shaped_by": {"kind": shaped[0], "name": shaped[1]},
            "size": self.size,
        }


class Answered(Captured):
    """The mock's own exchange as its journal entry: the request's context and the answer as written, kept as they
    are; the entry's fields (`Entry`: method, path, operation, timings, what shaped it...) and the credential to
    mask are worked out on the first read, off the request's way. Only the bytes it holds are counted now, and bodies
    past the kept length cut now (`cut`: the request's body kept and both bodies' sizes as sent). A HEAD's answer
    keeps no body, and the GET's Content-Length."""

    __slots__ = ("body", "clock", "content_type", "context", "cut", "headers", "id", "length", "status", "time")

    def __init__(
        self,
        entry_id: int,
        context: RequestContext,
        rendered: tuple[int, Mapping[str, str], bytes],
        content_type: str,
        body_limit: int,
        clock: tuple[float | None, float],
    ) -> None:
        self.id, self.time = entry_id, time.time()
        incoming = context.incoming
        self.status, headers, body = rendered
        self.length = None
        if incoming.method == "HEAD":
            self.length, body = len(body), b""
        request_body, body, sizes = kept_bodies(incoming.body, body, body_limit)
        self.cut = None if sizes is None else (request_body, sizes)
        self.context, self.headers, self.body, self.content_type = context, headers, body, content_type
        self.clock, self.body_limit, self._fields = clock, body_limit, None
        request_headers = incoming.headers
        texts = [incoming.base_url, incoming.path, incoming.raw_query, content_type, *request_headers,
                 *request_headers.values(), *headers, *headers.values()]  # fmt: skip
        self.size = held_bytes(request_body, body, body_limit, texts) + CONTENT_LENGTH

    @property
    def exchange(self) -> Answered:
        """The whole exchange the entry keeps: itself (`Entry.exchange`, for the journal)."""
        return self

    def _asdict(self) -> dict[str, Any]:
        """The entry's fields, as `Entry._asdict()` gives them."""
        return summary(self.id, self.time, self.context, self.status, self.clock[1], self)._asdict()

    @property
    def secrets(self) -> tuple[str, ...]:  # type: ignore[override]
        # the credential the mock found, wherever it is repeated; the rest (tokens in the query, a form or JSON
        # body, a batch item; `Bearer` credentials; proofs) stands where a secret stands: the masking rule finds it
        credential = self.context.credential
        return (credential,) if credential else ()

    def parts(self) -> tuple[Any, ...]:
        context = self.context
        incoming = context.incoming
        request_body, sizes = self.cut or (incoming.body, None)
        writing, done = self.clock
        timings = (
            ((writing or done) - context.started) * 1000,
            (done - writing) * 1000 if writing is not None else 0.0,
        )
        url = f"{incoming.base_url}{incoming.path}"
        answer = Written(self.content_type, self.headers, self.body, self.length)
        return (url, incoming.raw_query, incoming.headers, request_body, answer, timings, shaping(context), sizes)


def kept_bodies(
    request_body: bytes, response_body: bytes, body_limit: int
) -> tuple[bytes, bytes, tuple[int, int] | None]:
    """Both bodies as the journal keeps them: cut past the cap and the masking margin, and then with their sizes as
    sent (else None)."""
    kept = body_limit + MARGIN
    if len(request_body) > kept or len(response_body) > kept:
        return request_body[:kept], response_body[:kept], (len(request_body), len(response_body))
    return request_body, response_body, None


def held_bytes(request_body: bytes, response_body: bytes, body_limit: int, texts: list[str]) -> int:
    """What an entry counts against `--journal-bytes`: both bodies up to the cap, and the characters of `texts` (the
    URL and query, both sides' header names and values), joined at once: a few dozen short texts, on every
    request."""
    return (
        (len(request_body) if len(request_body) < body_limit else body_limit)
        + (len(response_body) if len(response_body) < body_limit else body_limit)
        + len("".join(texts))
    )


def masked_headers(headers: Mapping[str, str]) -> Pairs:
    """A request's headers (names lower-cased, as read) as pairs in order, the credential headers masked (`Bearer
    <token>` keeps its scheme)."""
    pairs = tuple(headers.items())
    for name in SECRET_HEADERS:
        if name in headers:
            return tuple((n, masked_header(v) if n in SECRET_HEADERS else v) for n, v in pairs)
    return pairs


def masked_header(value: str) -> str:
    scheme, _, credential = value.partition(" ")
    return f"{scheme} {mask(credential.strip())}" if credential.strip() else mask(value)


def capped_text(body: bytes, limit: int, masker: Masker) -> tuple[str, bool]:
    """The body as text (UTF-8, undecodable bytes replaced), secrets masked, then cut to at most `limit` characters;
    and whether it was cut."""
    if len(body) > limit:
        return masked_text(body, masker)[:limit], True
    return masked_body(body, masker), False


@functools.lru_cache(maxsize=64)
def masked_body(body: bytes, masker: Masker) -> str:
    """`masked_text`, kept for the last few bodies under the cap: a cached read answers the very same bytes object
    again and again (its hash is computed once), so a repeated answer is masked once."""
    return masked_text(body, masker)


def masked_text(body: bytes, masker: Masker) -> str:
    text = body.decode("utf-8", "replace")
    return masker(text) if text else text


def summary(
    entry_id: int, wall: float, exchange: RequestContext, status: int, done: float, whole: Answered | None
) -> Entry:
    """The journal's entry for the mock's answer: recorded at `wall` (epoch seconds), answered at `done` (the
    monotonic clock)."""
    incoming = exchange.incoming
    return Entry(
        entry_id,
        wall,
        incoming.method,
        incoming.path[:500],
        incoming.raw_query[:1000],
        exchange.operation_id,
        status,
        round((done - exchange.started) * 1000, 3),
        exchange.credential,
        exchange.trace,
        exchange.scenario,
        (),
        whole,
    )


def journal_entry(
    journal: Journal,
    body_limit: int,
    exchange: RequestContext,
    rendered: tuple[int, Mapping[str, str], bytes],
    content_type: str,
    writing: float | None,
) -> None:
    """The journal's entry for one answered request: the whole exchange, or its summary alone when the journal
    keeps nothing. `writing` is when its answer began to be written (None for a batch item, written inside its
    batch)."""
    now = time.monotonic()
    if journal.keeping:
        journal.record(Answered(journal.next_id(), exchange, rendered, content_type, body_limit, (writing, now)))
    else:
        journal.record(summary(journal.next_id(), time.time(), exchange, rendered[0], now, None))
