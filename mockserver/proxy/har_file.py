"""`mockserver proxy --record-har FILE`: what passed through the proxy, as HAR 1.2 (the journal's rendering,
`mockserver.controls.har`), kept valid on disk at every moment.

The file is rewritten whole into a temporary file beside it and renamed over it (atomic on POSIX): a reader, a
crash or a SIGTERM never sees half a file. Writes are batched: at most one per `FLUSH_SECONDS` while traffic flows,
one shortly after it stops, and a last one at shutdown. What the file may hold is bounded (`--record-har-bytes`):
past it, later exchanges are counted in `log.comment`, not kept.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from mockserver.controls.har import creator, har_entry

logger = logging.getLogger("mockserver.proxy")
FLUSH_SECONDS = 1.0


class HarRecorder:
    def __init__(self, path: Path, byte_limit: int) -> None:
        self.path = path
        self.byte_limit = byte_limit
        self.entries: list[str] = []  # each HAR entry encoded once
        self.held = 0
        self.skipped = 0
        self.written_at = 0.0
        self.dirty = False
        self.timer: asyncio.TimerHandle | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        self.write()  # a valid, empty log from the start

    def add(self, entry: dict[str, Any]) -> None:
        """One journal entry (already masked and capped); written now or within `FLUSH_SECONDS`."""
        text = json.dumps(har_entry(entry), ensure_ascii=False)
        if self.held + len(text) > self.byte_limit:
            if not self.skipped:
                logger.warning("%s reached --record-har-bytes: later exchanges are counted, not kept", self.path)
            self.skipped += 1
        else:
            self.entries.append(text)
            self.held += len(text)
        self.dirty = True
        if time.monotonic() - self.written_at >= FLUSH_SECONDS:
            self.write()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.write)

    def write(self) -> None:
        """The whole log to `FILE.tmp`, then renamed over `FILE`."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        log: dict[str, Any] = {"version": "1.2", "creator": creator(), "pages": []}
        if self.skipped:
            log["comment"] = f"{self.skipped} later exchanges were not kept: the file reached --record-har-bytes"
        head = json.dumps(log, ensure_ascii=False)[:-1] + ', "entries": [\n'
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            with temporary.open("w", encoding="utf-8") as file:
                file.write('{"log": ' + head + ",\n".join(self.entries) + "\n]}}\n")
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except OSError as exc:
            logger.error("cannot write %s: %s", self.path, exc)
        self.written_at = time.monotonic()
        self.dirty = False

    def close(self) -> None:
        if self.dirty or self.timer is not None:
            self.write()
