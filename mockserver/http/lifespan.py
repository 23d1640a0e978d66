"""The ASGI lifespan protocol for the apps that need nothing at start-up: startup acknowledged, and at shutdown
(the server's SIGINT/SIGTERM handling) an optional last step before it is acknowledged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.types import Receive, Send


async def lifespan(receive: Receive, send: Send, on_shutdown: Callable[[], Awaitable[None]] | None = None) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if on_shutdown is not None:
                await on_shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return
