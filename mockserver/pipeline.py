"""The request pipeline, in the contract's order of checks:

    route (connexion) -> auth -> Prefer / scenario rules -> permission -> rate limit -> parameters -> behaviour

`MockMiddleware` sits in connexion's middleware stack just before its routing middleware: it reads the request
once (`mockserver.http.wire`), lets connexion route it (`RoutingProbe`, placed right after routing, only notes the
operation and path parameters), then runs the steps, renders the answer in the API's own envelope, checks it against
the contract, waits out any latency asked for, writes it (`mockserver.http.wire` again), and records it in the journal.
Nothing below it ever answers.

Two things are remembered between requests, each under everything it depends on: connexion's routing decision per
method and path, and the rendered answer of a read (see `MockMiddleware.behave` and `mockserver.cache`). Every other
step (auth, Prefer and scenarios, limits, headers, validation, journal) runs on every request.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import logging
import random
import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.apis.api import Api
from mockserver.apis.graph.batch import GraphBatch
from mockserver.backend import StaleState, StateUnavailable
from mockserver.cache import WorldCache
from mockserver.controls.exchange_record import mock_exchange
from mockserver.controls.prefer import Directive, PreferenceError, choose, parse_prefer
from mockserver.errors import ApiError
from mockserver.exchange import Exchange, Incoming, Reply, encode
from mockserver.http.wire import read_incoming, send_json
from mockserver.mock import Mock
from mockserver.ratelimit import Usage

logger = logging.getLogger("mockserver")

EXCHANGE = "mockserver.exchange"
MAX_ROUTES = 4096
STALE_RETRIES = 3
Outcome = Reply | ApiError
Rendered = tuple[int, dict[str, str], bytes]


class RoutingProbe:
    """Placed right after connexion's routing: notes what it matched, and answers nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange: Exchange | None = scope.get(EXCHANGE)
        if scope["type"] != "http" or exchange is None:
            await self.app(scope, receive, send)
            return
        routing = scope.get("extensions", {}).get("connexion_routing", {})
        exchange.operation_id = routing.get("operation_id")
        exchange.incoming.path_params = dict(scope.get("path_params", {}))


class MockMiddleware:
    def __init__(self, app: ASGIApp, mock: Mock) -> None:
        self.app = app
        self.mock = mock
        self.rng = random.Random(mock.settings.seed)
        self.draws = itertools.count()
        self.routes: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
        self.replies = WorldCache(mock.store, weigh=lambda _key, reply: len(reply.body))
        self.batch = GraphBatch(self, read_incoming)
        contract = mock.contract
        self.vary = {
            op: tuple(p["name"].lower() for p in contract.parameters(op) if p["in"] == "header")
            for op in contract.operations
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = await read_incoming(scope, receive)
        api, exchange, (status, headers, body) = await self.answer(scope, receive, incoming)
        delay = self.latency() + exchange.delay_ms
        if delay > 0:
            await asyncio.sleep(delay / 1000)
        writing = time.monotonic()
        await send_json(send, status, headers, body, api.content_type, head=incoming.method == "HEAD")
        self.record(exchange, (status, headers, body), api.content_type, writing)

    async def answer(self, scope: Scope, receive: Receive, incoming: Incoming) -> tuple[Api, Exchange, Rendered]:
        """Route, run and render one request: what a batch also does for each of its items."""
        api = self.mock.api_for(incoming.path)
        exchange = Exchange(incoming, None, api.new_trace())
        scope[EXCHANGE] = exchange
        try:
            await self.route(scope, receive, api, exchange)
            if exchange.operation_id in self.batch.operations:
                outcome: Outcome = await self.batch.run(api, exchange)
            else:
                outcome = self.run(api, exchange)
        except ApiError as error:
            outcome = detached(error)
        except StateUnavailable as exc:  # the shared state is away: a transient 5xx, nothing changed
            logger.warning("%s %s: %s", incoming.method, incoming.path, exc)
            outcome = api.internal_error()
        except Exception:
            logger.exception("unexpected error in %s %s", incoming.method, incoming.path)
            outcome = api.internal_error()
        return api, exchange, self.render(api, exchange, outcome)

    def record(self, exchange: Exchange, rendered: Rendered, content_type: str, writing: float | None = None) -> None:
        """The journal's entry for one answered request (a batch item too, `writing` None): the whole exchange
        unless the journal keeps nothing."""
        incoming = exchange.incoming
        status, headers, body = rendered
        journal = self.mock.journal
        whole: dict[str, object] = {}
        if journal.keeping:
            now = time.monotonic()
            sent = (("content-type", content_type), ("content-length", str(len(body))), *headers.items())
            wait = ((writing or now) - exchange.started) * 1000
            receive = (now - writing) * 1000 if writing is not None else 0.0
            whole = mock_exchange(exchange, (sent, body), self.mock.settings.journal_body_bytes, wait, receive)
        journal.record(
            time=time.time(),
            method=incoming.method,
            path=incoming.path[:500],
            query=incoming.raw_query[:1000],
            operation_id=exchange.operation_id,
            status=status,
            duration_ms=round((time.monotonic() - exchange.started) * 1000, 3),
            credential=exchange.credential,
            trace=exchange.trace,
            scenario=exchange.scenario,
            **whole,
        )

    async def route(self, scope: Scope, receive: Receive, api: Api, exchange: Exchange) -> None:
        """Connexion's routing, remembered per method and path: a path routes the same way every time."""
        incoming = exchange.incoming
        key = (incoming.method, incoming.path)
        known = self.routes.get(key)
        if known is not None:
            exchange.operation_id, incoming.path_params = known[0], dict(known[1])
            return
        try:
            await self.app(scope, receive, swallow)  # routing only: anything it would answer itself is dropped
        except HTTPException as exc:
            if exc.status_code == 405:
                raise api.method_not_allowed(exchange, self.mock.allowed(incoming.path)) from None
            raise api.not_found(exchange) from None
        if exchange.operation_id is not None:
            if len(self.routes) >= MAX_ROUTES:
                self.routes.clear()
            self.routes[key] = (exchange.operation_id, dict(incoming.path_params))

    def run(self, api: Api, exchange: Exchange) -> Outcome:
        if exchange.operation_id is None:  # no route, or the router answered itself (e.g. a trailing-slash redirect)
            raise api.not_found(exchange)
        api.route_check(exchange)
        api.authenticate(exchange)
        for _ in range(STALE_RETRIES):
            try:
                return self.checks(api, exchange)
            except StaleState:  # another process changed the rules or limits: check again on the fresh view
                continue
        raise StateUnavailable(f"the rules and limits changed {STALE_RETRIES} times while one request was checked")

    def checks(self, api: Api, exchange: Exchange) -> Outcome:
        directive = self.directive(api, exchange)
        if directive is not None and directive.forces:
            return self.force(api, exchange, directive)
        api.authorize(exchange)
        usage = exchange.usage = self.mock.limiter.hit(exchange.operation_id, exchange.credential or "")
        if usage.exceeded:
            raise api.rate_limited(exchange, usage, self.mock.limiter.clock())
        return self.behave(api, exchange)

    def behave(self, api: Api, exchange: Exchange) -> Reply:
        """Parameters, then the API's behaviour. A read's answer is kept under everything it depends on (the
        request's path, query, host, credential and header parameters) until the world changes: errors, which
        carry the request's own id, and writes are never kept."""
        incoming = exchange.incoming
        if incoming.method not in ("GET", "HEAD"):
            return api.respond(exchange, api.parse(exchange))
        assert exchange.operation_id is not None
        key = (
            exchange.operation_id,
            incoming.path,
            incoming.raw_query,
            incoming.base_url,
            exchange.credential,
            *(incoming.headers.get(name) for name in self.vary[exchange.operation_id]),
        )
        return self.replies.get(key, lambda: api.respond(exchange, api.parse(exchange)))

    def directive(self, api: Api, exchange: Exchange) -> Directive | None:
        """`Prefer` wins over scenario rules; both only after authentication."""
        incoming = exchange.incoming
        prefer = incoming.headers.get("prefer")
        if prefer:
            try:
                directive: Directive | None = parse_prefer(prefer)
            except PreferenceError as exc:
                raise api.bad_preference(str(exc)) from None
        elif not self.mock.scenarios.rules:
            directive = None
        else:
            assert exchange.operation_id is not None
            directive = self.mock.scenarios.decide(
                exchange.operation_id,
                dict(incoming.query),
                incoming.headers,
                api.body_params(exchange) if incoming.method == "POST" else {},
                exchange.credential,
            )
        if directive is not None:
            exchange.delay_ms += directive.delay_ms
            exchange.scenario = directive.source
        return directive

    def force(self, api: Api, exchange: Exchange, directive: Directive) -> Outcome:
        assert exchange.operation_id is not None
        try:
            example = choose(self.mock.contract, exchange.operation_id, directive)
        except PreferenceError as exc:
            raise api.bad_preference(str(exc)) from None
        if directive.dynamic:
            from mockserver.contract import dynamic  # hypothesis loads only when a request asks for a dynamic body

            body = dynamic.draw(example.schema, self.mock.settings.seed * 1_000_003 + next(self.draws))
        else:
            body = copy.deepcopy(example.value)
        now = self.mock.limiter.clock()
        usage = self.mock.limiter.peek()
        outcome = api.forced(exchange, example, body, usage, now)
        if isinstance(outcome, ApiError) and (outcome.status == 429 or exchange.context.get("throttled")):
            exchange.usage = Usage(usage.limit, 0, usage.reset_at, True)
        return outcome

    def render(self, api: Api, exchange: Exchange, outcome: Outcome) -> Rendered:
        """Status, headers and body, checked against the contract; the status is the one the client asked to see."""
        status, headers, body = self._render(api, exchange, outcome)
        validator = self.mock.validator
        if validator is not None:
            problems = validator.problems(api.name, exchange.operation_id, status, body, headers, exchange.trace)
            if problems:
                logger.error("off-contract response for %s: %s", exchange.operation_id, "; ".join(problems))
                error = api.internal_error(f"The mock produced an off-contract response: {problems[0]}")
                status, headers, body = self._render(api, exchange, error)
        return api.wire_status(exchange, status), headers, body

    def _render(self, api: Api, exchange: Exchange, outcome: Outcome) -> Rendered:
        now = self.mock.limiter.clock()
        usage = exchange.usage or self.mock.limiter.peek()
        headers = api.headers(exchange, usage, now)
        if isinstance(outcome, ApiError):
            headers.update(outcome.error_headers())
            return outcome.status, headers, encode(outcome.body(exchange.trace))
        headers.update(outcome.headers)
        body = outcome.body if isinstance(outcome.body, bytes) else encode(outcome.body)
        return outcome.status, headers, body

    def latency(self) -> float:
        low, high = self.mock.settings.latency_ms
        return low if low == high else self.rng.uniform(low, high)


def detached(error: ApiError) -> ApiError:
    """The error without traceback or context. Kept in the frame that caught it, those would make a reference cycle
    (frame -> error -> traceback -> frame) per error answer, left to the cyclic garbage collector."""
    error.__context__ = error.__cause__ = None
    return error.with_traceback(None)


async def swallow(message: Message) -> None:
    """The `send` given to connexion's routing, which must never answer (it would redirect a trailing slash)."""
