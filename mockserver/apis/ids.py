"""The ids every answer carries (KlayrAI's request id, Graph's trace and request ids): seeded random bytes, drawn
for many ids at once.

An id is made on every request, and two on Graph's: one call into the generator and one encoding for `POOL` ids
costs a fraction of one of each per id. The ids stay a function of the seed and of how many came before, as one
draw per id was.
"""

from __future__ import annotations

import binascii
import random
from collections.abc import Callable

POOL = 64  # ids per draw
URLSAFE = bytes.maketrans(b"+/", b"-_")


def hex_text(raw: bytes) -> str:
    return raw.hex()


def urlsafe_base64(raw: bytes) -> str:
    """`base64.urlsafe_b64encode`, without its Python layers (no padding for a multiple of 3 bytes)."""
    return binascii.b2a_base64(raw, newline=False).translate(URLSAFE).decode()


class IdPool:
    """Ids of `size` random bytes each, written by `encode` (which must write every `size` bytes as `width`
    characters of their own: hex, or base64 of a multiple of 3 bytes)."""

    def __init__(self, rng: random.Random, size: int, encode: Callable[[bytes], str], width: int) -> None:
        self.rng, self.size, self.encode, self.width = rng, size, encode, width
        self.ready: list[str] = []  # the drawn ids not yet handed out, the next one last

    def next(self) -> str:
        if not self.ready:
            drawn = self.rng.getrandbits(8 * self.size * POOL).to_bytes(self.size * POOL, "big")
            text, width = self.encode(drawn), self.width
            self.ready = [text[start : start + width] for start in range(len(text) - width, -1, -width)]
        return self.ready.pop()
