"""Editing the headers of an ASGI response start message in place, for the layers around the pipeline (CORS,
compression). Names are lowercase bytes, as ASGI apps send them; one pass per edit, since these run on every
answer that needs them (Starlette's `MutableHeaders` decodes and re-encodes every header on each assignment)."""

from __future__ import annotations

from starlette.types import Message

RawHeaders = list[tuple[bytes, bytes]]


def headers_of(message: Message) -> RawHeaders:
    """The message's header list, made a list (and the message's own) if it was another sequence."""
    raw = message.get("headers")
    if not isinstance(raw, list):
        raw = message["headers"] = list(raw or ())
    return raw


def replace(raw: RawHeaders, headers: dict[bytes, bytes]) -> None:
    """Set each of `headers`, dropping any value the message already had under those names."""
    raw[:] = [item for item in raw if item[0] not in headers]
    raw.extend(headers.items())


def vary(raw: RawHeaders, token: bytes) -> bytes:
    """The `Vary` value with `token` added to whatever the message already varies on."""
    return b", ".join([*(value for name, value in raw if name == b"vary"), token])
