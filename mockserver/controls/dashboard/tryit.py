"""Swagger UI that works the first time: `/ui/` is a page of ours on connexion's Swagger UI files, reading
`/ui/try-it.json`, the contract as served to this mock's users only: its server is the mock's own URL, the default
world's published key and token are filled in, and every operation gets a `Prefer` header parameter that forces a
documented response. `/openapi.json`, what real implementations and the kit read, stays the contract unchanged."""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from mockserver.contract.spec import Contract
from mockserver.controls.dashboard.pages import load_files
from mockserver.world.credentials import API_KEYS, GRAPH_TOKENS
from mockserver.world.records import World

TRY_IT = "/ui/try-it.json"
PAGE = ("/ui/", "/ui/index.html")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
HEADERS = {"cache-control": "no-cache", "x-content-type-options": "nosniff"}


def is_try_it(path: str) -> bool:
    return path in PAGE or path == TRY_IT or path == "/ui/try-it.js"


def prefer_values(contract: Contract, operation_id: str) -> list[str]:
    """What `Prefer` may ask of this operation: each documented status, then each named example."""
    codes = sorted({f"code={status}" for status in contract.responses(operation_id) if status.isdigit()})
    return [*codes, *(f"example={name}" for name in contract.examples(operation_id))]


def prefer_parameter(contract: Contract, operation_id: str) -> dict[str, Any]:
    return {
        "name": "Prefer",
        "in": "header",
        "required": False,
        "description": "The mock only: answer with this documented response instead of the real behaviour.",
        "schema": {"type": "string", "enum": prefer_values(contract, operation_id)},
    }


def published(world: World) -> dict[str, str]:
    """The default world's key and token by security scheme, when this world has them (never a user's own)."""
    found = {}
    if API_KEYS["demo"] in world.api_keys:
        found["klayraiApiKey"] = API_KEYS["demo"]
    if GRAPH_TOKENS["agency"] in world.tokens:
        found["graphAccessToken"] = GRAPH_TOKENS["agency"]
    return found


def try_it_spec(contract: Contract, world: World, base_url: str) -> dict[str, Any]:
    spec = copy.deepcopy(contract.spec)
    spec["servers"] = [{"url": base_url, "description": "this mock server"}]
    for item in spec["paths"].values():
        for method in METHODS:
            operation = item.get(method)
            if operation is not None:
                operation["parameters"] = [
                    *operation.get("parameters", []),
                    prefer_parameter(contract, operation["operationId"]),
                ]
    spec["x-mock-credentials"] = published(world)
    return spec


class TryIt:
    """Answers `/ui/`, `/ui/index.html`, `/ui/try-it.js` and `/ui/try-it.json`; connexion serves the rest of /ui/."""

    def __init__(self, contract: Contract, world: World) -> None:
        self.contract = contract
        self.world = world
        self.files = load_files(resources.files(__package__) / "swagger")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        path = scope["path"]
        response: Response
        if path == TRY_IT:
            base = str(request.base_url).rstrip("/")
            response = JSONResponse(try_it_spec(self.contract, self.world, base), headers=HEADERS)
        else:
            body, media = self.files["index.html" if path in PAGE else "try-it.js"]
            response = Response(body, media_type=media, headers=HEADERS)
        await response(scope, receive, send)
