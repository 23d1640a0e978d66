"""What the journal keeps of one whole exchange: the request and the answer as they crossed the wire, secrets
masked by the one masking rule (`mockserver.contract.secrets`), each body capped, plus what shaped the answer.

Built on the request's way out, so it is cheap: headers stay lists of pairs, bodies are the bytes already encoded
(decoded once, never re-encoded as JSON), and a body under the cap is not copied before decoding.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from itertools import chain
from typing import Any

from mockserver.contract.secrets import SECRET_HEADERS, Masker, mask, mask_query
from mockserver.exchange import RequestContext
from mockserver.state.journal import Journal

Pairs = tuple[tuple[str, str], ...]


def shaped_by(kind: str, name: str | None = None) -> dict[str, str | None]:
    """What decided the answer: `behaviour` (the API's own), `prefer`, `scenario` (a named rule) or `rate_limit`."""
    return {"kind": kind, "name": name}


@functools.lru_cache(maxsize=256)
def masker_for(secrets: tuple[str, ...]) -> Masker:
    """One masker per set of known secrets: clients repeat their credentials, so it is built once for each."""
    return Masker(secrets)


def shaping(exchange: RequestContext) -> dict[str, str | None]:
    """What shaped the mock's answer: a `Prefer` header wins over a scenario rule, both over a rate limit."""
    if exchange.scenario == "prefer":
        return shaped_by("prefer", exchange.incoming.headers.get("prefer"))
    if exchange.scenario:
        return shaped_by("scenario", exchange.scenario)
    if exchange.usage is not None and exchange.usage.exceeded:
        return shaped_by("rate_limit", f"{exchange.usage.limit} requests")
    return shaped_by("behaviour", exchange.operation_id)


def mock_exchange(
    exchange: RequestContext, answer: tuple[Pairs, bytes], body_limit: int, wait_ms: float, receive_ms: float
) -> dict[str, Any]:
    """`capture` of an exchange the mock answered: its request as read, its answer as written."""
    incoming = exchange.incoming
    query = f"?{mask_query(incoming.raw_query)}" if incoming.raw_query else ""
    return capture(
        url=f"{incoming.base_url}{incoming.path}{query}",
        request_headers=incoming.headers,
        request_body=incoming.body,
        response_headers=answer[0],
        response_body=b"" if incoming.method == "HEAD" else answer[1],
        # the credential the mock found, wherever it is repeated; the rest (tokens in the query, a form or JSON body,
        # a batch item; `Bearer` credentials; proofs) stands where a secret stands, which the masking rule finds
        secrets=(exchange.credential,) if exchange.credential else (),
        body_limit=body_limit,
        timings={"wait": wait_ms, "receive": receive_ms},
        shaped=shaping(exchange),
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
    """The body as text (UTF-8, undecodable bytes replaced), at most `limit` bytes of it, secrets masked; and
    whether it was cut."""
    if len(body) > limit:
        return masked_text(body[:limit], masker), True
    return masked_body(body, masker), False


@functools.lru_cache(maxsize=64)
def masked_body(body: bytes, masker: Masker) -> str:
    """`masked_text`, kept for the last few bodies under the cap: a cached read answers the very same bytes object
    again and again (its hash is computed once), so a repeated answer is masked once."""
    return masked_text(body, masker)


def masked_text(body: bytes, masker: Masker) -> str:
    text = body.decode("utf-8", "replace")
    return masker(text) if text else text


def capture(
    *,
    url: str,
    request_headers: Mapping[str, str],
    request_body: bytes,
    response_headers: Pairs,
    response_body: bytes,
    secrets: tuple[str, ...],
    body_limit: int,
    timings: dict[str, float],
    shaped: dict[str, str | None],
) -> dict[str, Any]:
    """The journal fields of one exchange beyond its summary (method, path, status...): `Journal.record` takes them.
    `url` comes with its query masked already; `secrets` are those known to be in the exchange, masked wherever
    they appear, besides whatever stands where a secret stands (`Masker`)."""
    masker = masker_for(secrets)
    request_text, request_cut = capped_text(request_body, body_limit, masker)
    response_text, response_cut = capped_text(response_body, body_limit, masker)
    sent = masked_headers(request_headers)
    answered = response_headers  # written by the mock or the upstream: no credential header in an answer
    truncated = (*(("request",) if request_cut else ()), *(("response",) if response_cut else ()))
    size = len(request_text) + len(response_text) + len(url) + sum(map(len, chain.from_iterable((*sent, *answered))))
    return {
        "url": url,  # the caller's, its query masked (`mask_query`)
        "request_headers": sent,
        "request_body": request_text,
        "response_headers": answered,
        "response_body": response_text,
        "body_sizes": (len(request_body), len(response_body)),
        "truncated": truncated,
        "timings": timings,
        "shaped_by": shaped,
        "size": size,
    }


def journal_entry(
    journal: Journal,
    body_limit: int,
    exchange: RequestContext,
    rendered: tuple[int, Mapping[str, str], bytes],
    content_type: str,
    writing: float | None,
) -> None:
    """The journal's entry for one answered request: the whole exchange unless the journal keeps nothing. `writing`
    is when its answer began to be written (None for a batch item, written inside its batch)."""
    incoming = exchange.incoming
    status, headers, body = rendered
    whole: dict[str, object] = {}
    if journal.keeping:
        now = time.monotonic()
        sent = (("content-type", content_type), ("content-length", str(len(body))), *headers.items())
        wait = ((writing or now) - exchange.started) * 1000
        receive = (now - writing) * 1000 if writing is not None else 0.0
        whole = mock_exchange(exchange, (sent, body), body_limit, wait, receive)
    journal.record(
        time=time.time(),
        method=incoming.method,
        path=incoming.path[:500],
        query=incoming.raw_query[:1000],
        operation_id=exchange.operation_id,
        status=status,
        duration_ms=round((time.monotonic() - exchange.started) * 1000, 3),
        credential=exchange.credential,
        trace=exchange.trace,
        scenario=exchange.scenario,
        **whole,
    )
