"""Paging helpers shared by both APIs: page-number windows (KlayrAI) and signed opaque cursors (Graph)."""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PageWindow:
    start: int
    stop: int
    has_more: bool


def page_window(total: int, page: int, page_size: int) -> PageWindow:
    """The slice of a `total`-long list that page `page` covers; `has_more` is `page * page_size < total`."""
    start = min((page - 1) * page_size, total)
    stop = min(start + page_size, total)
    return PageWindow(start, stop, page * page_size < total)


class CursorCodec:
    """Opaque cursors naming a position (a sequence number), signed so that a forged cursor is told apart.

    A cursor is base64url of `<seq>.<tag>`, where the tag is a truncated HMAC of the seq keyed by a secret of the
    world: the same world gives the same cursors, and cursors survive a restart with the same seed.
    """

    def __init__(self, secret: str) -> None:
        self.key = secret.encode()
        self.issued: dict[int, str] = {}

    def _tag(self, seq: int) -> str:
        return hmac.new(self.key, str(seq).encode(), hashlib.sha256).hexdigest()[:12]

    def encode(self, seq: int) -> str:
        cursor = self.issued.get(seq)
        if cursor is None:  # one per position of the world, so the memo stays as small as the world
            cursor = self.issued[seq] = (
                base64.urlsafe_b64encode(f"{seq}.{self._tag(seq)}".encode()).decode().rstrip("=")
            )
        return cursor

    def decode(self, cursor: str) -> int:
        """The position a cursor names; ValueError for anything this codec did not issue."""
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
            seq_text, tag = text.split(".", 1)
            seq = int(seq_text)
        except (ValueError, UnicodeError) as exc:
            raise ValueError("not a cursor") from exc
        if str(seq) != seq_text or not hmac.compare_digest(tag, self._tag(seq)):
            raise ValueError("not a cursor")
        return seq


def cursor_window(seqs: list[int], limit: int, after: int | None = None, before: int | None = None) -> tuple[int, int]:
    """[start, stop) of the page of sorted `seqs` after (or before) a position, at most `limit` long."""
    if before is not None:
        stop = bisect.bisect_left(seqs, before)
        return max(0, stop - limit), stop
    start = 0 if after is None else bisect.bisect_right(seqs, after)
    return start, min(start + limit, len(seqs))
