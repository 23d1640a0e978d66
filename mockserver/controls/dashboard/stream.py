"""`GET /__mock/journal/stream`: the journal as Server-Sent Events, for the dashboard and for `curl -N`.

Each new entry is one `event: entry` with `id:` (the entry's id) and its JSON as `data:`; `event: reset` says the
journal started over. A stream starts after `?after=ID` (or the `Last-Event-ID` a reconnecting client sends), else
at the newest entry. It polls the journal (`total`, then the newest entries), so it works the same on every state
store and sees every process's requests when the state is shared.

Bounded: at most `MAX_STREAMS` open at once (503 past it), a comment line as heartbeat after `HEARTBEAT_SECONDS`
of silence (it also finds a vanished client), at most `BATCH` entries per poll. A plain `StreamingResponse`, not
sse-starlette: the format is four lines, and sse-starlette's shutdown signal hooks only uvicorn; a stream never
ends by itself, so the servers bound their graceful shutdown instead (`mockserver.http.server.SHUTDOWN_GRACE`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from mockserver.controls.admin import problem
from mockserver.state.journal import Journal

MAX_STREAMS = 8
HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 0.25
BATCH = 200
RETRY_MS = 2000  # how long EventSource waits before it reconnects


def event(name: str, data: Any, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, separators=(',', ':'), default=str)}\n\n".encode()


def start_after(scope: Scope) -> int | None:
    """Where the client asked to resume: `?after=ID`, else `Last-Event-ID`; None for "from now"."""
    text = QueryParams(scope.get("query_string", b"")).get("after") or Headers(scope=scope).get("last-event-id")
    if text is None:
        return None
    if not text.isdigit() or len(text) > 18:
        raise ValueError("after (or Last-Event-ID) must be a journal entry id")
    return int(text)


class JournalStream:
    """The endpoint, an ASGI app that counts its open streams."""

    def __init__(self, journal: Journal, limit: int = MAX_STREAMS, heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self.journal = journal
        self.limit = limit
        self.heartbeat = heartbeat
        self.open = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await problem(405, "the journal stream answers GET only")(scope, receive, send)
            return
        try:
            after = start_after(scope)
        except ValueError as exc:
            await problem(400, str(exc))(scope, receive, send)
            return
        if self.open >= self.limit:
            await problem(503, f"{self.limit} journal streams are open already; close one")(scope, receive, send)
            return
        self.open += 1
        try:
            headers = {"cache-control": "no-cache", "x-accel-buffering": "no"}
            response = StreamingResponse(self.events(after), media_type="text/event-stream", headers=headers)
            await response(scope, receive, send)
        finally:
            self.open -= 1

    async def events(self, after: int | None) -> AsyncIterator[bytes]:
        yield f"retry: {RETRY_MS}\n\n".encode()
        total, _, newest = await self.journal.read(None, None, 1, False)  # the shared journal on Redis too
        last = newest[0]["id"] if newest else 0
        if after is not None and after > last:  # an id of an earlier run (a restart): the journal started over
            yield event("reset", {"total": total})
            last, total = 0, -1  # then all it holds, new to this client
        elif after is not None:
            last, total = after, -1  # look now for what came after it
        quiet = 0.0
        while True:
            current, _, entries = await self.journal.read(None, None, BATCH, False)
            if current != total:
                if current < total:
                    last = 0
                    yield event("reset", {"total": current})
                total = current
                fresh = [entry for entry in entries if entry["id"] > last]
                for entry in reversed(fresh):
                    yield event("entry", entry, entry["id"])
                if fresh:
                    last, quiet = fresh[0]["id"], 0.0
            if quiet >= self.heartbeat:
                yield b": heartbeat\n\n"
                quiet = 0.0
            await asyncio.sleep(POLL_SECONDS)
            quiet += POLL_SECONDS
