"""The ASGI application: the contract served by connexion.

Stand-in until the behaviour modules land: every operation answers with its documented examples
(connexion's MockResolver), and credentials are only checked for presence.
"""

from __future__ import annotations

from pathlib import Path

import connexion
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.mock import MockResolver

from mockserver.contract import SPEC_PATH


def create_app(spec_path: Path = SPEC_PATH) -> connexion.AsyncApp:
    middlewares = [m for m in ConnexionMiddleware.default_middlewares if m is not SecurityMiddleware]
    app = connexion.AsyncApp(__name__, middlewares=middlewares)
    app.add_api(spec_path, base_path="", resolver=MockResolver(mock_all=True))
    return app
