"""The proxy's journal entries and HAR records: the request as the client sent it to the proxy, the answer as the
client got it, secrets masked, bodies capped; shaped by the upstream, or by the proxy when it answered itself."""

from __future__ import annotations

import time
from typing import NamedTuple

from mockserver.contract.secrets import mask_query
from mockserver.controls.exchange_record import Captured, Written, shaped_by
from mockserver.exchange import RequestContext

Answer = tuple[int, list[tuple[str, str]], bytes]


class Relay(NamedTuple):
    """Where one request goes: its target as the client sent it (`path?query`, `%2F` kept), and the upstream."""

    target: str
    upstream: str


def masked_target(target: str) -> str:
    """`path?query` with the query's secrets masked."""
    path, mark, query = target.partition("?")
    return path + mark + mask_query(query)


def whole(
    exchange: RequestContext,
    answer: Answer,
    secrets: list[str],
    clock: tuple[float, float],
    rules: list[str],
    relay: Relay,
    body_limit: int,
) -> Captured:
    """The journal's (and the HAR file's) whole exchange; `clock`: when the request came in, when its answer began
    to be written."""
    started, writing = clock
    now = time.monotonic()
    incoming = exchange.incoming
    own = exchange.scenario == "proxy"
    path, _, query = relay.target.partition("?")
    return Captured(
        incoming.base_url + path,
        query,
        incoming.headers,
        incoming.body,
        Written(None, tuple(answer[1]), answer[2]),
        tuple(secrets),
        body_limit,
        ((writing - started) * 1000, (now - writing) * 1000),
        shaped_by("proxy", rules[0] if rules else None) if own else shaped_by("upstream", relay.upstream),
    )
