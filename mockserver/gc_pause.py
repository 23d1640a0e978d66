"""The cyclic garbage collector paused around work that makes many objects and no reference cycles (a world
loaded or generated, a batch's items)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building many long-lived, acyclic records.

    With a large heap already there (the world file's dicts), collections triggered by the allocations cost ~3x the
    building itself: 100,000 accounts load in 1 s instead of 3.5 s."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
