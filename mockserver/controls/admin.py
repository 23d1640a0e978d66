"""The admin API under `/__mock/`: scenarios, rate limits, reset, the request journal, the coverage of what the mock
answered, pending approvals, health and the world's credentials. It is the mock's own control surface, kept out of
`openapi.yaml`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mockserver.controls.admin_guard import problem
from mockserver.controls.coverage import coverage_endpoint
from mockserver.controls.har import filters, har_endpoint
from mockserver.controls.post_targets import post_targets
from mockserver.controls.prefer import PreferenceError
from mockserver.controls.scenario_file import LIMIT_SCHEMA, schema_problems
from mockserver.http.limits import JsonLimit, Limits
from mockserver.state.interface import StateUnavailable
from mockserver.state.journal import Journal
from mockserver.state.limits import Policy

if TYPE_CHECKING:  # the proxy serves its journal with `journal_endpoint` and needs no mock
    from mockserver.mock import Mock

PREFIX = "/__mock"
Handler = Callable[[Request], Awaitable[Response]]


async def read_json(request: Request, limits: Limits) -> Any:
    """The call's JSON body, bounded as any client JSON (`mockserver.http.limits`); ValueError saying why not."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limits.body_bytes:
            raise ValueError(limits.body_too_large())
    try:
        return limits.loads(body or b"null")
    except JsonLimit as exc:
        raise ValueError(str(exc)) from None
    except ValueError as exc:
        raise ValueError(f"body is not JSON: {exc}") from None


def credentials(mock: Mock) -> dict[str, Any]:
    world = mock.store.world
    per_workspace: dict[str, int] = {}
    for connection in world.connections:
        per_workspace[connection.workspace_id] = per_workspace.get(connection.workspace_id, 0) + 1
    return {
        "klayrai": [
            {
                "x-api-key": key.key,
                "workspace": key.workspace_id,
                "plan": world.workspaces[key.workspace_id].plan,
                "revoked": key.revoked,
                "accounts": per_workspace.get(key.workspace_id, 0),
            }
            for key in world.api_keys.values()
        ],
        "graph": [
            {
                "access_token": token.token,
                "name": token.name,
                "business_ids": list(token.business_ids),
                "expired": token.expired,
                "can_manage": token.can_manage,
            }
            for token in world.tokens.values()
        ],
        "app_secret": world.app_secret,
        "graph_post": post_targets(mock.store),
    }


def journal_endpoint(journal: Journal) -> Callable[[Request], Awaitable[Response]]:
    """`GET /__mock/journal` (`operation`, `status`, `limit`, `violations=true`, `since`) and `DELETE`; the
    validating proxy serves its own journal with it too."""

    async def endpoint(request: Request) -> Response:
        if request.method == "DELETE":
            await journal.drop()
            return Response(status_code=204)
        try:
            chosen = filters(request.query_params, 100)
        except ValueError as exc:
            return problem(400, str(exc))
        view = await journal.read(chosen.operation, chosen.status, chosen.limit, chosen.violations, chosen.since)
        return JSONResponse({"total": view.total, "dropped": view.dropped, "entries": view.entries})

    return endpoint


def admin_app(mock: Mock, extra: Sequence[BaseRoute] = ()) -> Starlette:
    """The admin API; `extra` routes join it under the same guard and JSON-only rule (the dashboard's)."""
    bounds = mock.settings.limits

    async def health(request: Request) -> Response:
        """At once, without the shared state's view: whether it answers (503 saying why when it does not)."""
        problem = await mock.state.health()
        if problem:
            return JSONResponse({"status": "unavailable", "state": problem}, status_code=503)
        return JSONResponse({"status": "ok", "state": "available", "world_version": mock.store.version})

    async def show_credentials(request: Request) -> Response:
        return JSONResponse(credentials(mock))

    async def scenarios(request: Request) -> Response:
        if request.method == "DELETE":
            await mock.state.clear_rules()
            return Response(status_code=204)
        if request.method == "POST":
            try:
                rule = await mock.state.add_rule(await read_json(request, bounds))
            except (ValueError, PreferenceError) as exc:
                return problem(400, str(exc))
            return JSONResponse(rule.as_json(), status_code=201)
        limits = [vars_of(p) for p in mock.limiter.policies]
        return JSONResponse({"scenarios": [r.as_json() for r in mock.scenarios.rules], "rate_limits": limits})

    async def scenario(request: Request) -> Response:
        if await mock.state.remove_rule(request.path_params["name"]):
            return Response(status_code=204)
        return problem(404, f"no scenario named '{request.path_params['name']}'")

    async def rate_limits(request: Request) -> Response:
        if request.method == "DELETE":
            await mock.state.set_policies([])
            return Response(status_code=204)
        try:
            spec = await read_json(request, bounds)
        except ValueError as exc:
            return problem(400, str(exc))
        problems = schema_problems(LIMIT_SCHEMA, spec, "rate_limit")
        if problems:
            return problem(400, "; ".join(problems))
        policy = Policy(
            spec.get("name", f"admin-{len(mock.limiter.policies)}"),
            spec["limit"],
            float(spec["window"]),
            spec.get("operation", "*"),
            spec.get("credential"),
        )
        await mock.state.set_policies([*mock.limiter.policies, policy])
        return JSONResponse(vars_of(policy), status_code=201)

    async def reset(request: Request) -> Response:
        await mock.reset()
        return JSONResponse({"status": "reset", "world_version": mock.store.version})

    async def pending(request: Request) -> Response:
        return JSONResponse([vars_of(r) for r in mock.store.pending()])

    async def approve(request: Request) -> Response:
        try:
            spec = await read_json(request, bounds)
            relation = await mock.state.approve(str(spec["business_id"]), str(spec["adaccount_id"]))
        except (ValueError, KeyError, TypeError):
            return problem(400, 'body must be {"business_id": "...", "adaccount_id": "act_..."}')
        if relation is None:
            return problem(404, "no pending request for that business and ad account")
        return JSONResponse(vars_of(relation))

    def fresh(handler: Handler) -> Handler:
        """Every admin call first brings this process's view of the shared state up to date."""

        async def call(request: Request) -> Response:
            await mock.state.refresh()
            return await handler(request)

        return call

    async def unavailable(request: Request, exc: Exception) -> Response:
        return problem(503, str(exc))

    return Starlette(
        routes=[
            Route(f"{PREFIX}/health", health),  # at once: never waits for the shared state it reports on
            Route(f"{PREFIX}/credentials", fresh(show_credentials)),
            Route(f"{PREFIX}/scenarios", fresh(scenarios), methods=["GET", "POST", "DELETE"]),
            Route(f"{PREFIX}/scenarios/{{name}}", fresh(scenario), methods=["DELETE"]),
            Route(f"{PREFIX}/rate-limits", fresh(rate_limits), methods=["POST", "DELETE"]),
            Route(f"{PREFIX}/reset", reset, methods=["POST"]),
            Route(f"{PREFIX}/journal", fresh(journal_endpoint(mock.journal)), methods=["GET", "DELETE"]),
            Route(f"{PREFIX}/coverage", coverage_endpoint(mock.state.answers, mock.coverage)),
            Route(f"{PREFIX}/journal.har", fresh(har_endpoint(mock.journal))),
            Route(f"{PREFIX}/pending", fresh(pending)),
            Route(f"{PREFIX}/pending/approve", fresh(approve), methods=["POST"]),
            *extra,
        ],
        exception_handlers={StateUnavailable: unavailable},
    )


def vars_of(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}
