"""The ASGI application: the admin API under /__mock/, and the contract served by connexion with the mock's
pipeline in place of connexion's own security, validation and handlers."""

from __future__ import annotations

import copy
import functools
from typing import Any

import connexion
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.resolver import Resolver
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.admin import PREFIX, admin_app
from mockserver.admin_guard import AdminGuard
from mockserver.pipeline import MockMiddleware, RoutingProbe
from mockserver.settings import Settings
from mockserver.state import Mock

EXPOSED_HEADERS = [
    "x-request-id",
    "klayrai-version",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
    "facebook-api-version",
    "x-fb-trace-id",
    "X-Business-Use-Case-Usage",
    "WWW-Authenticate",
]


def _never_called() -> None:
    raise AssertionError("the mock pipeline answers every operation before connexion's handlers")


DOCS_PATHS = ("/openapi.json", "/ui")


class MockApp:
    """Dispatches /__mock/ to the admin API, the docs (Swagger UI, /openapi.json) to a connexion app of their own,
    and everything else to connexion's routing followed by the mock's pipeline; `mock` is the running state.

    The API stack holds only what the pipeline needs from connexion (routing, lifespan): its error middlewares
    would never see an error (the pipeline answers every one) and Swagger UI's router would cost every request a
    few route matches. The docs app is built on its first request, which keeps it out of start-up."""

    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        self.admin = AdminGuard(admin_app(mock), mock.settings.host, mock.settings.admin_token)
        self.api = self._connexion(
            [functools.partial(MockMiddleware, mock=mock), RoutingMiddleware, RoutingProbe, LifespanMiddleware,
             ContextMiddleware]
        )  # fmt: skip
        self.docs: connexion.AsyncApp | None = None
        self.entry: ASGIApp = self.dispatch
        if mock.settings.cors_origins:
            self.entry = CORSMiddleware(
                self.dispatch,
                allow_origins=list(mock.settings.cors_origins),
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=EXPOSED_HEADERS,
            )

    def _connexion(self, middlewares: list[Any]) -> connexion.AsyncApp:
        app = connexion.AsyncApp(__name__, middlewares=middlewares)
        resolver = Resolver(function_resolver=lambda _: _never_called)
        # The contract as already parsed, not the file: parsing the YAML twice dominated start-up.
        app.add_api(copy.deepcopy(self.mock.contract.spec), base_path="", resolver=resolver)
        return app

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(PREFIX + "/"):
            await self.admin(scope, receive, send)
        elif scope["type"] == "http" and (path == DOCS_PATHS[0] or path == DOCS_PATHS[1] or path.startswith("/ui/")):
            if self.docs is None:
                self.docs = self._connexion([ServerErrorMiddleware, ExceptionMiddleware, SwaggerUIMiddleware])
            await self.docs(scope, receive, send)
        else:
            await self.api(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.entry(scope, receive, send)


def create_app(settings: Settings | None = None) -> MockApp:
    """The whole mock as one ASGI app; `app.mock` is its running state (world, scenarios, journal)."""
    return MockApp(Mock.build(settings or Settings()))
