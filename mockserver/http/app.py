"""The ASGI application: the admin API under /__mock/, the two APIs answered by the mock's pipeline (routed by the
compiled contract), and the contract's docs (Swagger UI, /openapi.json) served by connexion."""

from __future__ import annotations

import copy

import connexion
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.resolver import Resolver
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.controls.admin import PREFIX, admin_app
from mockserver.controls.admin_guard import AdminGuard
from mockserver.controls.dashboard.pages import Page, dashboard_routes, existing, route_paths
from mockserver.controls.dashboard.sign_in import SignIn
from mockserver.controls.dashboard.tryit import TryIt, is_try_it
from mockserver.http.compression import Compression
from mockserver.http.cors import Cors, exposed_headers
from mockserver.http.lifespan import lifespan
from mockserver.mock import Mock
from mockserver.pipeline import MockMiddleware
from mockserver.settings import Settings

ADMIN_PATHS = PREFIX + "/"
DOCS_PREFIXES = ("/ui", "/openapi.json")  # every path `is_docs` or `is_try_it` claims starts so


def _never_called() -> None:
    raise AssertionError("the docs app serves Swagger UI and the contract, never an operation")


def is_docs(path: str) -> bool:
    """Swagger UI and the contract as JSON, served by a connexion app of their own."""
    return path == "/openapi.json" or path == "/ui" or path.startswith("/ui/")


class MockApp:
    """Dispatches /__mock/ to the admin API; everything else goes through CORS and compression to the docs (Swagger
    UI, /openapi.json), served by a connexion app of their own, or to the mock's pipeline; a request neither layer
    would touch (no `Origin`, no gzip accepted: SDKs, load tools) skips both. `mock` is the running state. The docs
    app is built on its first request, which keeps it out of start-up."""

    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        control = admin_app(mock, dashboard_routes(mock))
        given = mock.settings
        self.admin = AdminGuard(control, given.host, given.admin_token, given.admin_hosts, SignIn())
        self.pages: list[Page] = existing(route_paths(control.routes))  # what the banner and /__mock/ link
        self.try_it = TryIt(mock.contract, mock.store.world)
        self.api = MockMiddleware(mock)
        self.docs: connexion.AsyncApp | None = None
        self.entry: ASGIApp = self.serve  # what a test may wrap (tests/faulty): inside CORS and compression
        self.compression = Compression(self.enter)
        self.cors = Cors(
            self.compression,
            mock.settings.cors_origins,
            exposed_headers(mock.contract),
            always_open=lambda path: mock.api_for(path).name == "graph" and not is_docs(path),  # Graph's own policy
        )
        self.served: ASGIApp = self.cors  # what a test may wrap (tests/faulty) outside CORS

    def _connexion(self, middlewares: list[type]) -> connexion.AsyncApp:
        app = connexion.AsyncApp(__name__, middlewares=middlewares)
        resolver = Resolver(function_resolver=lambda _: _never_called)
        # The contract as already parsed, not the file: parsing the YAML twice dominated start-up.
        app.add_api(copy.deepcopy(self.mock.contract.spec), base_path="", resolver=resolver)
        return app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.served(scope, receive, self.closing(send) if scope["type"] == "lifespan" else send)
        elif scope["path"].startswith(ADMIN_PATHS):
            await self.admin(scope, receive, send)  # the dashboard too; outside CORS and compression
        elif self.cors.passes(scope) and self.compression.passes(scope):
            await self.entry(scope, receive, send)  # neither layer has anything to do: not entered at all
        else:
            await self.served(scope, receive, send)

    def closing(self, send: Send) -> Send:
        """The lifespan's `send`, letting go of the state store's connections before the server stops."""

        async def closed_then_sent(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await self.mock.state.close()
            await send(message)

        return closed_then_sent

    async def enter(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.entry(scope, receive, send)

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
        elif scope["type"] != "http":
            return  # websockets: neither API has any
        elif not scope["path"].startswith(DOCS_PREFIXES):
            await self.api(scope, receive, send)  # the two APIs: the common case, decided by one test
        elif is_try_it(scope["path"]):
            await self.try_it(scope, receive, send)
        elif is_docs(scope["path"]):
            if self.docs is None:
                self.docs = self._connexion([ServerErrorMiddleware, ExceptionMiddleware, SwaggerUIMiddleware])
            await self.docs(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def create_app(settings: Settings | None = None) -> MockApp:
    """The whole mock as one ASGI app; `app.mock` is its running state (world, scenarios, journal)."""
    return MockApp(Mock.build(settings or Settings()))
