"""Encoded JSON of rendered records, kept until the world changes: pages are joined from these fragments instead of
being rendered and encoded on every request."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from mockserver.exchange import encode
from mockserver.store import Store

MAX_FRAGMENTS = 200_000


class Fragments:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.version = -1
        self.cache: dict[Hashable, bytes] = {}

    def get(self, key: Hashable, render: Callable[[], Any]) -> bytes:
        """The fragment for `key`, rendering it with `render()` on a miss; bounded, and emptied on any change."""
        if self.version != self.store.version or len(self.cache) >= MAX_FRAGMENTS:
            self.cache, self.version = {}, self.store.version
        fragment = self.cache.get(key)
        if fragment is None:
            fragment = self.cache[key] = encode(render())
        return fragment


def join_object(members: list[tuple[bytes, bytes]]) -> bytes:
    """`{"name": <fragment>, ...}` from already encoded members."""
    return b"{" + b",".join(b'"' + name + b'":' + value for name, value in members) + b"}"


def join_array(fragments: list[bytes]) -> bytes:
    return b"[" + b",".join(fragments) + b"]"
