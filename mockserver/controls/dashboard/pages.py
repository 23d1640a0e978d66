"""The dashboard's files and the `/__mock/` index.

The files (`static/`, package data) are admin routes, behind the admin guard like the admin API they show: open on
loopback (a loopback Host or one of --admin-host), the bearer token off loopback, 403 where admin is off. A
browser's navigation cannot send the token, so off loopback the guard's 401 is a sign-in page (`sign_in`) that
fetches these files with it. A Content-Security-Policy of `'self'` keeps the page from loading anything from
another origin.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Iterable
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, NamedTuple

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from mockserver.controls.admin import PREFIX, problem
from mockserver.controls.dashboard.stream import JournalStream
from mockserver.state.journal import Journal

if TYPE_CHECKING:  # the proxy serves the dashboard on its own journal and needs no mock
    from mockserver.mock import Mock

UI = f"{PREFIX}/ui/"
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript"}
HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "cache-control": "no-cache",
    "referrer-policy": "no-referrer",
}


class Page(NamedTuple):
    title: str
    path: str
    what: str


# Every page the mock may serve; the index and the banner list those that exist (`existing`).
PAGES = (
    Page("Index", f"{PREFIX}/", "this list: every page of the mock"),
    Page("Dashboard", UI, "journal, scenarios, limits, coverage and credentials in a browser"),
    Page("API docs", "/ui/", "Swagger UI, pointed at this mock, with the default world's credentials"),
    Page("Contract", "/openapi.json", "openapi.yaml as JSON"),
    Page("Journal", f"{PREFIX}/journal", "the last requests, newest first (JSON)"),
    Page("Journal stream", f"{PREFIX}/journal/stream", "new requests as Server-Sent Events (curl -N)"),
    Page("HAR", f"{PREFIX}/journal.har", "the journal as HAR 1.2"),
    Page("Coverage", f"{PREFIX}/coverage", "documented responses answered so far"),
    Page("Credentials", f"{PREFIX}/credentials", "keys, tokens, businesses, ad accounts to POST"),
    Page("Scenarios", f"{PREFIX}/scenarios", "scenario rules and rate limits in force"),
    Page("Settings", f"{PREFIX}/settings", "latency, default rate limit, validation (fixed at start)"),
    Page("Health", f"{PREFIX}/health", "status and world version"),
)


def existing(admin_paths: Iterable[str], docs: bool = True) -> list[Page]:
    """The pages of `PAGES` served: the admin API's routes, the dashboard, and the docs where there are (the
    validating proxy has none)."""
    served = {*admin_paths, UI, *(("/ui/", "/openapi.json") if docs else ())}
    return [page for page in PAGES if page.path in served]


def route_paths(routes: Iterable[BaseRoute]) -> list[str]:
    return [route.path for route in routes if isinstance(route, Route)]


def load_files(folder: Traversable, prefix: str = "") -> dict[str, tuple[bytes, str]]:
    """Every file under `folder` by its path relative to it, with its content type (read once: a few KB)."""
    files: dict[str, tuple[bytes, str]] = {}
    for item in folder.iterdir():
        name = prefix + item.name
        if item.is_dir():
            files.update(load_files(item, name + "/"))
        elif (suffix := "." + item.name.rpartition(".")[2]) in TYPES:
            files[name] = (item.read_bytes(), TYPES[suffix])
    return files


class DashboardFiles:
    """`/__mock/ui/...`: the static files, `index.html` for the folder itself; GET and HEAD only (`file_routes`)."""

    def __init__(self) -> None:
        self.files = load_files(resources.files(__package__) / "static")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if path == UI.rstrip("/"):
            await RedirectResponse(UI, status_code=308)(scope, receive, send)
            return
        found = self.files.get(path.removeprefix(UI) or "index.html")
        if found is None:
            response: Response = problem(404, f"no dashboard file at {path}")
        elif scope["method"] not in ("GET", "HEAD"):
            response = problem(405, "the dashboard's files answer GET only")
        else:
            response = Response(found[0], media_type=found[1], headers=HEADERS)
        await response(scope, receive, send)


def file_routes() -> list[BaseRoute]:
    """The dashboard's files as admin routes: the guard covers them as any other."""
    files = DashboardFiles()
    return [Route(UI.rstrip("/"), files), Route(UI + "{file:path}", files)]


def is_dashboard(path: str) -> bool:
    return path == UI.rstrip("/") or path.startswith(UI)


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def index_page(pages: list[Page]) -> str:
    items = "".join(
        f'<li><a href="{html.escape(p.path)}">{html.escape(p.title)}</a> <code>{html.escape(p.path)}</code>'
        f" {html.escape(p.what)}</li>"
        for p in pages
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mock server</title>'
        f'<link rel="icon" href="data:,"><link rel="stylesheet" href="{UI}dashboard.css"></head>'
        f'<body><main><h1>Mock server</h1><ul class="pages">{items}</ul></main></body></html>'
    )


def index_endpoint(docs: bool) -> Callable[[Request], Awaitable[Response]]:
    """`GET /__mock/`: the pages served, as HTML for a browser and as JSON for anything else (the dashboard
    reads it to show only the panels this server can fill)."""

    async def index(request: Request) -> Response:
        pages = existing(route_paths(request.app.routes), docs)
        if wants_html(request):
            return HTMLResponse(index_page(pages), headers=HEADERS)
        return JSONResponse({"pages": [page._asdict() for page in pages]})

    return index


def proxy_routes(journal: Journal) -> list[BaseRoute]:
    """What the validating proxy adds to its admin routes for the dashboard: its files, the index and the journal
    stream."""
    return [
        *file_routes(),
        Route(f"{PREFIX}/", index_endpoint(docs=False)),
        Route(f"{PREFIX}/journal/stream", JournalStream(journal)),
    ]


def dashboard_routes(mock: Mock) -> list[BaseRoute]:
    """The admin API's routes the dashboard adds: its files, the index, the stream, the settings."""

    async def settings(request: Request) -> Response:
        """What shapes every answer and is fixed at start: latency, the default budget, validation."""
        given = mock.settings
        return JSONResponse(
            {
                "latency_ms": list(given.latency_ms),
                "rate_limit": given.rate_limit,
                "validate_responses": given.validate_responses,
                "journal_size": given.journal_size,
                "state": mock.state.describe().removeprefix("State: "),
            }
        )

    return [
        *file_routes(),
        Route(f"{PREFIX}/", index_endpoint(docs=True)),
        Route(f"{PREFIX}/journal/stream", JournalStream(mock.journal)),
        Route(f"{PREFIX}/settings", settings),
    ]
