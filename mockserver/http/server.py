"""The HTTP server under the mock: Granian (the default, the fastest measured here) or uvicorn, with N worker
processes on one port.

The command line builds the app once in its own process, to refuse a bad setting with exit 2 before any worker
starts and to print the banner once. A worker gets its app from `app_factory`: with the in-memory state, the one
its parent built when it runs in the parent (uvicorn, one worker) or was forked from it (Granian on Linux), which
keeps start-up to one build; otherwise (a shared state, or a spawned worker on macOS and Windows) it builds its own
from the settings in the environment variable SETTINGS_ENV, so no connection crosses a process boundary.
"""

from __future__ import annotations

import json
import os
import types
import typing
import warnings
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

from mockserver.errors import MockServerError
from mockserver.settings import Settings

SETTINGS_ENV = "MOCKSERVER_WORKER_SETTINGS"
FACTORY = "mockserver.http.server:app_factory"
# Granian's read buffer for a request's head: past it, Granian answers 431 before the app sees the request
# (docs/performance.md); well above the 60 KB headers the mock must answer in its own envelope.
MAX_HEAD_BYTES = 256 * 1024
# Seconds a stopping server waits for open requests before it ends them: a journal stream (Server-Sent Events) never
# ends by itself, and would otherwise hold Ctrl-C forever, on both servers.
SHUTDOWN_GRACE = 3


def encode_settings(settings: Settings) -> str:
    """Settings as JSON (paths as strings, tuples as lists), for a worker's environment."""
    return json.dumps(
        {f.name: str(v) if isinstance(v := getattr(settings, f.name), Path) else v for f in fields(Settings)}
    )


def decode_settings(text: str) -> Settings:
    """The inverse of `encode_settings`: each value converted back to its field's declared type."""
    raw = json.loads(text)
    hints = typing.get_type_hints(Settings)
    values: dict[str, Any] = {}
    for name, value in raw.items():
        kinds = typing.get_args(hints[name]) if isinstance(hints[name], types.UnionType) else (hints[name],)
        if value is None:
            values[name] = None
        elif Path in kinds:
            values[name] = Path(value)
        elif isinstance(value, list):
            values[name] = tuple(value)
        else:
            values[name] = value
    return Settings(**values)


def quiet_imports() -> None:
    """connexion 3.3 imports starlette.testclient, which warns on import; a user of the server has no use for it."""
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")


_built: Any = None  # the app the serving process built, kept for its workers when its state is in memory


def app_factory() -> Any:
    """Each worker's app (see the module's docstring)."""
    if _built is not None:
        return _built
    quiet_imports()
    from mockserver.http.app import create_app

    text = os.environ.get(SETTINGS_ENV)
    if text is None:
        raise RuntimeError(f"{SETTINGS_ENV} is not set: start workers through `mockserver serve`")
    return create_app(decode_settings(text))


def run_granian(settings: Settings, target: str = FACTORY) -> None:
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.server import Server

    Server(
        target,
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,  # with the lifespan protocol, as uvicorn's lifespan="on"
        workers=settings.workers,
        # A worker that dies (a crash, an OOM kill, `kill -9`) is replaced; without this Granian stops the server.
        respawn_failed_workers=True,
        http=HTTPModes.http1,
        websockets=False,
        loop=Loops.auto,  # uvloop when installed
        backlog=2048,
        http1_settings=HTTP1Settings(header_read_timeout=5_000, max_buffer_size=MAX_HEAD_BYTES),
        log_level=granian_log_level(settings.log_level),
        workers_kill_timeout=SHUTDOWN_GRACE,
    ).serve()


def granian_log_level(level: str) -> Any:
    from granian.log import LogLevels

    # Granian at info logs its start-up and every worker spawn: the banner already says where the mock is.
    return LogLevels.warning if level == "info" else LogLevels(level)


def run_uvicorn(settings: Settings, target: str = FACTORY) -> None:
    import uvicorn

    uvicorn.run(
        target,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level="warning",
        lifespan="on",
        loop="auto",
        http="auto",
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )


# Each runs `target` (an app factory, "module:function") with `settings.workers` processes until a signal stops it.
SERVERS: dict[str, Callable[[Settings, str], None]] = {"granian": run_granian, "uvicorn": run_uvicorn}


def check(settings: Settings) -> None:
    """Refuse what no worker could run: an unknown server, fewer than one worker."""
    if settings.server not in SERVERS:
        raise MockServerError(f"unknown server {settings.server!r}: choose one of {', '.join(SERVERS)}")
    if settings.workers < 1:
        raise MockServerError(f"workers must be at least 1, got {settings.workers}")


def run(settings: Settings, app: Any = None) -> None:
    """Serve until a signal stops the server (SIGINT/SIGTERM); `app`, built from `settings`, serves the workers
    that can share it (see the module's docstring)."""
    global _built
    check(settings)
    os.environ[SETTINGS_ENV] = encode_settings(settings)
    _built = app if settings.state is None else None
    SERVERS[settings.server](settings, FACTORY)
