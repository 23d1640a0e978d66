"""The request pipeline, in the contract's order of checks:

    route -> auth -> Prefer / scenario rules -> permission -> rate limit -> parameters -> behaviour

`MockMiddleware` answers every request to the two APIs: it reads the request once (`mockserver.http.wire`), routes
it through the compiled contract (`mockserver.contract.operations`), runs the steps and the operation's registered
behaviour, renders the answer in the API's own envelope, checks it against the contract, waits out any latency
asked for, writes it (`mockserver.http.wire` again), and records it in the journal.

Two things are remembered between requests, each under everything it depends on: the route per method and path,
and the rendered answer of a read (see `MockMiddleware.behave` and `mockserver.state.cache`). Every other step (auth,
Prefer and scenarios, limits, headers, validation, journal) runs on every request.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import inspect
import logging
import random
import time

from starlette.types import Receive, Scope, Send

from mockserver.apis.api import Api
from mockserver.apis.graph import batch, edge
from mockserver.apis.klayrai import accounts
from mockserver.contract.operations import Operation, Operations
from mockserver.contract.responses import error_identity
from mockserver.contract.secrets import mask_text
from mockserver.controls.exchange_record import journal_entry
from mockserver.controls.prefer import Directive, PreferenceError, choose, parse_prefer
from mockserver.errors import ApiError, detached, limit_error
from mockserver.exchange import Incoming, Outcome, Rendered, Reply, RequestContext, encode, reply_size
from mockserver.http.limits import JsonLimit
from mockserver.http.wire import BODILESS, decoded, read_incoming, send_json
from mockserver.mock import Mock
from mockserver.state import decisions
from mockserver.state.cache import BoundedCache, WorldCache
from mockserver.state.interface import StaleState, StateUnavailable
from mockserver.state.limits import Usage
from mockserver.state.scenarios import ScenarioRule

logger = logging.getLogger("mockserver")

STALE_RETRIES = 3


class MockMiddleware:
    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        self.rng = random.Random(mock.settings.seed)
        settings = mock.settings
        self.limits = settings.limits
        self.latency_ms = settings.latency_ms  # fixed for the server's life
        low, high = self.latency_ms
        self.fixed_latency = low if low == high else None  # a range is drawn per request (`latency`), this is not
        # Both keyed on what the client sent (path, query, headers): bounded in bytes, keys included.
        self.routes = BoundedCache(settings.cache_bytes // 4, weigh=lambda key, _route: len(key[1]) + 200)
        self.replies = WorldCache(mock.store, settings.cache_bytes, weigh=reply_size)
        apis = {api.name: api for api in mock.apis}
        graph_batch = batch.GraphBatch(self, functools.partial(read_incoming, limits=self.limits), mock.contract)
        # Explicit wiring: each API module's registry, bound to the running objects, by operationId.
        handlers = {
            **accounts.HANDLERS.bind(apis["klayrai"]),
            **edge.HANDLERS.bind(apis["graph"]),
            **batch.HANDLERS.bind(graph_batch),
        }
        self.operations: Operations = mock.operations.with_handlers(handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        bodiless = scope["method"] in BODILESS  # nothing to wait for: decoded at once, no coroutine
        incoming = decoded(scope, self.limits) if bodiless else await read_incoming(scope, receive, self.limits)
        api, exchange, (status, headers, body) = await self.answer(incoming)
        delay = (self.fixed_latency if self.fixed_latency is not None else self.latency()) + exchange.delay_ms
        if delay > 0:
            await asyncio.sleep(delay / 1000)
        writing = time.monotonic()
        await send_json(send, status, headers, body, api.content_type, head=incoming.method == "HEAD")
        self.record(exchange, (status, headers, body), api.content_type, writing)

    async def answer(self, incoming: Incoming) -> tuple[Api, RequestContext, Rendered]:
        """Route, run and render one request: what a batch also does for each of its items."""
        api = self.mock.api_for(incoming.path)
        exchange = RequestContext(incoming, None, api.new_trace())
        try:
            operation = self.route(api, exchange)
            if exchange.incoming.breach is not None:  # after routing, which knows the operation; before any read
                raise limit_error(api.name, exchange.incoming.breach)
            if operation.batch:  # a request of requests: its handler runs the items through `answer`
                outcome: Outcome = await operation.handler(api, exchange)
            else:
                outcome = await self.run(api, exchange)
        except ApiError as error:
            outcome = detached(error)
        except JsonLimit as exc:  # client JSON too large or too deep, wherever it was parsed: a client error
            outcome = limit_error(api.name, str(exc))
        except StateUnavailable as exc:  # the shared state is away: a transient 5xx, nothing changed
            logger.warning("%s %s: %s", incoming.method, incoming.path, exc)
            outcome = api.internal_error()
        except Exception:
            logger.exception("unexpected error in %s %s", incoming.method, incoming.path)
            outcome = api.internal_error()
        return api, exchange, self.render(api, exchange, outcome)

    def record(
        self, exchange: RequestContext, rendered: Rendered, content_type: str, writing: float | None = None
    ) -> None:
        """The journal's entry for one answered request (a batch item too, `writing` None)."""
        journal_entry(
            self.mock.journal, self.mock.settings.journal_body_bytes, exchange, rendered, content_type, writing
        )

    def route(self, api: Api, exchange: RequestContext) -> Operation:
        """The table's route, remembered per method and path (a path routes the same way every time); no route is
        the API's 404, or its 405 with the methods the path allows."""
        incoming = exchange.incoming
        key = (incoming.method, incoming.path)
        known = self.routes.values.get(key)
        if known is None:
            routed = self.operations.route(incoming.method, incoming.path)
            if routed.operation is None:
                if routed.allowed:
                    raise api.method_not_allowed(exchange, list(routed.allowed))
                raise api.not_found(exchange)
            known = (routed.operation, routed.path_params)
            self.routes.put(key, known)
        exchange.operation, incoming.path_params = known  # read-only: every request of the path shares them
        return known[0]

    async def run(self, api: Api, exchange: RequestContext) -> Outcome:
        api.route_check(exchange)
        api.authenticate(exchange)
        for _ in range(STALE_RETRIES):
            try:
                return await self.checks(api, exchange)
            except StaleState:  # another process changed the rules or limits: check again on the fresh view
                continue
        raise StateUnavailable(f"the rules and limits changed {STALE_RETRIES} times while one request was checked")

    async def checks(self, api: Api, exchange: RequestContext) -> Outcome:
        """`Prefer`, then the scenario rules, permission and the rate limit, counted in one call to the state."""
        preferred = self.preferred(api, exchange) if "prefer" in exchange.incoming.headers else None
        if preferred is not None and preferred.forces:
            return self.force(api, exchange, preferred)
        rules = self.matching(api, exchange) if preferred is None and self.mock.scenarios.rules else []
        try:
            api.authorize(exchange)
            denial = None
        except ApiError as error:
            denial = detached(error)
        limiter, credential = self.mock.limiter, exchange.credential or ""
        windows = (
            [] if denial else decisions.windows(limiter.in_force, exchange.operation_id, credential, limiter.clock())
        )
        if not rules and not windows:
            assert denial is not None
            raise denial
        admission = await self.mock.state.admit(rules, windows, credential)
        answering = decisions.answering(rules, admission.hits, self.mock.settings.seed) if rules else None
        if answering is not None:
            directive = self.directed(exchange, decisions.directive(*answering, self.mock.settings.seed))
            if directive.forces:
                return self.force(api, exchange, directive, answering[1])
        if denial is not None:
            raise denial
        usage = exchange.usage = decisions.tally(windows, admission.counts)
        if usage.exceeded:
            raise api.rate_limited(exchange, usage, limiter.clock())
        return await self.behave(api, exchange)

    async def behave(self, api: Api, exchange: RequestContext) -> Reply:
        """Parameters, then the API's behaviour. A read's answer is kept under everything it depends on (the
        request's path, query, host, credential and header parameters) until the world changes: errors, which
        carry the request's own id, and writes are never kept."""
        incoming, operation = exchange.incoming, exchange.operation
        assert operation is not None and operation.handler is not None
        if incoming.method not in ("GET", "HEAD"):
            reply = operation.handler(exchange, api.parse(exchange))
            return await reply if inspect.isawaitable(reply) else reply
        key = (operation.operation_id, incoming.path, incoming.raw_query, incoming.base_url, exchange.credential)
        if operation.header_names:
            key += tuple([incoming.headers.get(name) for name in operation.header_names])
        return self.replies.get(key, lambda: operation.handler(exchange, api.parse(exchange)))  # type: ignore[arg-type,return-value]

    async def directive(self, api: Api, exchange: RequestContext) -> Directive | None:
        """What the request's `Prefer` or a scenario rule asks for, checked alone (a Graph batch's own checks)."""
        preferred = self.preferred(api, exchange)
        if preferred is not None:
            return preferred
        seed = self.mock.settings.seed
        for _ in range(STALE_RETRIES):
            rules = self.matching(api, exchange)
            if not rules:
                return None
            try:
                admission = await self.mock.state.admit(rules, [], exchange.credential or "")
            except StaleState:
                continue
            answering = decisions.answering(rules, admission.hits, seed)
            return None if answering is None else self.directed(exchange, decisions.directive(*answering, seed))
        raise StateUnavailable(f"the rules changed {STALE_RETRIES} times while one request was checked")

    def preferred(self, api: Api, exchange: RequestContext) -> Directive | None:
        """The request's own `Prefer`, which wins over every rule; both only after authentication."""
        prefer = exchange.incoming.headers.get("prefer")
        if not prefer:
            return None
        try:
            return self.directed(exchange, parse_prefer(prefer))
        except PreferenceError as exc:
            raise api.bad_preference(str(exc)) from None

    def matching(self, api: Api, exchange: RequestContext) -> list[ScenarioRule]:
        rules = self.mock.scenarios.rules
        if not rules:
            return []
        assert exchange.operation_id is not None
        incoming = exchange.incoming
        body = api.body_params(exchange) if incoming.method == "POST" else {}
        query = dict(incoming.query)
        return decisions.matching(self.mock.contract, rules, exchange.operation_id, query, incoming.headers, body,
                                  exchange.credential)  # fmt: skip

    @staticmethod
    def directed(exchange: RequestContext, directive: Directive) -> Directive:
        exchange.delay_ms = directive.delay_ms  # set, not added: the checks may run again on a fresh view
        exchange.scenario = directive.source
        return directive

    def force(self, api: Api, exchange: RequestContext, directive: Directive, hit: int = 0) -> Outcome:
        """A documented response instead of the behaviour; a generated body is seeded by what asked for it (the
        rule and its hit, or the request), so every store and process draws the same one."""
        assert exchange.operation_id is not None
        try:
            example = choose(self.mock.contract, exchange.operation_id, directive)
        except PreferenceError as exc:
            raise api.bad_preference(str(exc)) from None
        if directive.dynamic:
            from mockserver.contract import dynamic  # hypothesis loads only when a request asks for a dynamic body

            incoming = exchange.incoming
            asked = (directive.source or "", str(hit), incoming.method, incoming.path, incoming.raw_query)
            body = dynamic.draw(example.schema, decisions.body_seed(self.mock.settings.seed, *asked))
        else:
            body = copy.deepcopy(example.value)
        now = self.mock.limiter.clock()
        usage = self.mock.limiter.peek()
        outcome = api.forced(exchange, example, body, usage, now)
        if isinstance(outcome, ApiError) and (outcome.status == 429 or exchange.throttled):
            exchange.usage = Usage(usage.limit, 0, usage.reset_at, True)
        return outcome

    def render(self, api: Api, exchange: RequestContext, outcome: Outcome) -> Rendered:
        """Status, headers and body, checked against the contract; the status is the one the client asked to see.
        The answer is counted for the coverage here, before it is written: a read of the coverage after it finds it."""
        status, headers, body = self._render(api, exchange, outcome)
        validator = self.mock.validator
        if validator is not None:
            problems = validator.problems(api.name, exchange.operation_id, status, body, headers, exchange.trace)
            if problems:
                problems = [mask_text(problem) for problem in problems]  # a paging link quoted may carry the token
                logger.error("off-contract response for %s: %s", exchange.operation_id, "; ".join(problems))
                error = api.internal_error(f"The mock produced an off-contract response: {problems[0]}")
                status, headers, body = self._render(api, exchange, error)
        status = api.wire_status(exchange, status)
        self.mock.state.count(self.mock.coverage.name(exchange.operation_id, status, exchange.error))
        return status, headers, body

    def _render(self, api: Api, exchange: RequestContext, outcome: Outcome) -> Rendered:
        headers = api.headers(exchange, exchange.usage or self.mock.limiter.peek(), self.mock.limiter.clock())
        if isinstance(outcome, ApiError):
            headers.update(outcome.error_headers())
            exchange.error = error_identity(error := outcome.body(exchange.trace))
            return outcome.status, headers, encode(error)
        headers.update(outcome.headers)
        body = outcome.body if isinstance(outcome.body, bytes) else encode(outcome.body)
        return outcome.status, headers, body

    def latency(self) -> float:
        """This request's draw within `--latency`'s range."""
        return self.rng.uniform(*self.latency_ms)
