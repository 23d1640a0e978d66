"""The validating proxy as one ASGI app: `/__mock/violations`, `/__mock/journal` (and its stream),
`/__mock/coverage` (what the backend answered, counted like the mock's own answers), `/__mock/health`, the dashboard
at `/__mock/ui/`, and every other request judged, forwarded (or, under `--strict`, answered), judged again on its
answer, and reported.

It judges with the compiled contract (routes, parameter parsers, credential checks, response validation) and the
two APIs' surfaces (their route checks, wording, envelopes and headers), never the mock's world; it keeps a journal
of its own. At lifespan shutdown (the server's SIGINT/SIGTERM handling) it prints the summary and writes the JUnit
file.
"""

from __future__ import annotations

import logging
import secrets
import sys
import time
from collections import Counter
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.apis.api import Surface
from mockserver.apis.graph.surface import GraphSurface
from mockserver.apis.klayrai.surface import KlayraiSurface
from mockserver.contract.operations import Operations, api_of
from mockserver.contract.responses import body_identity
from mockserver.contract.spec import default_contract
from mockserver.controls.admin import PREFIX, journal_endpoint
from mockserver.controls.admin_guard import AdminGuard
from mockserver.controls.coverage import Coverage, coverage_endpoint
from mockserver.controls.dashboard.pages import proxy_routes
from mockserver.controls.dashboard.sign_in import SignIn
from mockserver.controls.har import har_endpoint
from mockserver.errors import ApiError, gateway_error
from mockserver.exchange import RequestContext as MockExchange
from mockserver.exchange import encode
from mockserver.http.cors import Cors, exposed_headers
from mockserver.http.lifespan import lifespan
from mockserver.http.limits import Limits
from mockserver.http.server import MAX_HEAD_BYTES
from mockserver.http.wire import read_incoming
from mockserver.proxy import kit
from mockserver.proxy.checks import Breach, Checker
from mockserver.proxy.entries import Answer, Relay, whole
from mockserver.proxy.har_file import HarRecorder
from mockserver.proxy.links import rewrite_paging
from mockserver.proxy.record import Recorder
from mockserver.proxy.report import ViolationLog, header_value
from mockserver.proxy.settings import ProxySettings
from mockserver.proxy.upstream import Upstream, UpstreamFailure, has_mark
from mockserver.settings import Settings
from mockserver.state.journal import Entry, Journal, shown
from mockserver.state.limits import Policy, RateLimiter

logger = logging.getLogger("mockserver.proxy")
VIOLATIONS_HEADER = "x-contract-violations"
TRACE_HEADERS = ("x-request-id", "x-fb-trace-id")
# The proxy relays URLs of any length the server reads (judging them is the upstream's business), but reads no body
# past the mock's limit: it never forwards a truncated one.
RELAYED = Limits(url_bytes=MAX_HEAD_BYTES, query_bytes=MAX_HEAD_BYTES)


class ProxyApp:
    def __init__(self, settings: ProxySettings) -> None:
        self.settings = settings
        operations = Operations.compile(default_contract())
        defaults = Settings()  # the mock's: its ids' seed, and the budget its headers show on the proxy's own answers
        self.surfaces: dict[str, Surface] = {
            "klayrai": KlayraiSurface(operations, defaults.seed),
            "graph": GraphSurface(operations, defaults.seed),
        }
        self.limiter = RateLimiter(Policy.parse("default", defaults.rate_limit))
        self.journal = Journal(settings.journal_size, settings.journal_bytes)
        self.coverage = Coverage(operations.contract)
        self.answers: Counter[str] = Counter()  # coverage: what the backend answered, since the proxy started
        self.checker = Checker(operations)
        # This proxy's mark in `Via` (RFC 9110 7.6.3), one per process: a request carrying it came back (a loop).
        self.via = f"1.1 mockserver-proxy-{secrets.token_hex(6)}"
        self.upstream = Upstream(settings.connect_timeout, settings.timeout, settings.max_answer_bytes, self.via)
        self.log = ViolationLog()
        self.recorder = Recorder(settings.record, operations.contract) if settings.record else None
        self.har = HarRecorder(settings.record_har, settings.record_har_bytes) if settings.record_har else None
        self.finished = False
        routes = [
            Route(f"{PREFIX}/violations", self.violations),
            Route(f"{PREFIX}/journal", journal_endpoint(self.journal), methods=["GET", "DELETE"]),
            Route(f"{PREFIX}/coverage", coverage_endpoint(self.counted, self.coverage)),
            Route(f"{PREFIX}/journal.har", har_endpoint(self.journal)),
            Route(f"{PREFIX}/health", self.health),
            *proxy_routes(self.journal),
        ]
        # The mock's own guard (token off loopback, loopback Host, JSON-only) over the mock's dashboard too, on the
        # proxy's journal; outside CORS like the mock's.
        admin = Starlette(routes=routes)
        self.admin = AdminGuard(admin, settings.host, settings.admin_token, settings.admin_hosts, SignIn())
        # The mock's CORS policy, its violations header exposed too (docs/decisions.md).
        self.entry: ASGIApp = Cors(
            self.proxy,
            settings.cors_origins,
            (*exposed_headers(operations.contract), VIOLATIONS_HEADER),
            always_open=lambda path: api_of(path) == "graph",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send, self.shutdown)
        elif scope["type"] != "http":
            return
        elif scope["path"].startswith(PREFIX + "/"):
            await self.admin(scope, receive, send)
        else:
            await self.entry(scope, receive, send)

    async def shutdown(self) -> None:
        await self.upstream.close()
        self.finish()

    def finish(self) -> None:
        """The shutdown report: the summary on stderr, the JUnit file when asked for. Once."""
        if self.finished:
            return
        self.finished = True
        if self.har is not None:
            self.har.close()
        print(self.log.summary(), file=sys.stderr, flush=True)
        if self.settings.junit is not None:
            self.log.write_junit(self.settings.junit)
            print(f"contract proxy: JUnit report written to {self.settings.junit}", file=sys.stderr, flush=True)

    async def counted(self) -> dict[str, int]:
        return dict(self.answers)

    async def violations(self, request: Request) -> Response:
        return JSONResponse(self.log.as_json())

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "exchanges": self.log.exchanges, "violations": self.log.total})

    # ---- one exchange

    async def proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        incoming = await read_incoming(scope, receive, RELAYED)
        api = self.surfaces[api_of(incoming.path)]
        routed = self.checker.operations.route(incoming.method, incoming.path)
        incoming.path_params = routed.path_params
        exchange = MockExchange(incoming, routed.operation, api.new_trace())
        base = self.settings.upstream_for(api.name).rstrip("/")
        path = scope.get("raw_path", b"").decode("latin-1") or quote(incoming.path)  # as sent: %2F stays %2F
        relay = Relay(path + (f"?{incoming.raw_query}" if incoming.raw_query else ""), base)
        url = base + relay.target
        seen = kit.Exchange(incoming.method, url, dict(incoming.headers), incoming.body, 0, {}, b"")
        verdict = self.checker.check_request(api, exchange, routed, seen)
        findings = list(verdict.findings)
        if self.looped(scope):
            message = "Loop Detected: this request has already been through this proxy (its Via mark)"
            findings.append(Breach("upstream.loop", message))
            answer = self.render(api, exchange, gateway_error(api.name, 508, message))
        elif verdict.error is not None and (self.settings.strict or incoming.body_too_large):
            answer = self.render(api, exchange, verdict.error)  # never forward a truncated body
        else:
            answer = await self.forward(api, exchange, seen, scope, findings, base)
        # Counted for the coverage before it is written: a read of the coverage after the answer finds it.
        self.answers[self.coverage.name(exchange.operation_id, answer[0], body_identity(answer[2]))] += 1
        rules = list(dict.fromkeys(finding.rule for finding in findings))
        headers = answer[1]
        if rules:
            headers = [*headers, (VIOLATIONS_HEADER, header_value(rules))]
        writing = time.monotonic()
        await send_answer(send, answer[0], headers, answer[2], head=incoming.method == "HEAD")
        self.report(exchange, seen, (answer[0], headers, answer[2]), findings, rules, (started, writing), relay)

    async def forward(
        self, api: Surface, exchange: MockExchange, seen: kit.Exchange, scope: Scope, findings: list[Breach], base: str
    ) -> Answer:
        """Forward, judge the answer, and return what the client gets (`findings` is extended in place)."""
        raw_headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]
        try:
            upstream = await self.upstream.send(seen.method, seen.url, raw_headers, seen.request_body)
        except UpstreamFailure as failure:
            findings.append(Breach(failure.rule, failure.message))
            return self.render(api, exchange, gateway_error(api.name, failure.status, failure.message))
        joined: dict[str, str] = {}
        for name, value in upstream.headers:
            joined[name] = f"{joined[name]}, {value}" if name in joined else value
        answered = replace(seen, status=upstream.status, headers=joined, body=upstream.body)
        trace = next((joined[name] for name in TRACE_HEADERS if name in joined), "")
        broken = self.checker.check_response(api, exchange.operation_id, answered, trace, list(findings))
        findings += broken
        if self.recorder is not None and exchange.operation_id is not None:
            self.recorder.record(exchange.operation_id, answered, answered.masker())
        if broken and self.settings.strict:
            names = ", ".join(dict.fromkeys(finding.rule for finding in broken))
            message = f"The upstream's answer (HTTP {upstream.status}) broke the contract: {names}"
            return self.render(api, exchange, gateway_error(api.name, 502, message))
        body = upstream.body
        if api.name == "graph":
            body = rewrite_paging(body, base, exchange.incoming.base_url) or body
        return upstream.status, upstream.headers, body

    def looped(self, scope: Scope) -> bool:
        return any(name == b"via" and has_mark(value.decode("latin-1"), self.via) for name, value in scope["headers"])

    def render(self, api: Surface, exchange: MockExchange, error: ApiError) -> Answer:
        """The proxy's own answer in the API's envelope and headers, as the mock renders its errors."""
        exchange.scenario = "proxy"  # the proxy's own answer, not the upstream's
        headers = api.headers(exchange, self.limiter.peek(), self.limiter.clock())
        headers.update(error.error_headers())
        pairs = [("content-type", "application/json"), *((name.lower(), value) for name, value in headers.items())]
        return error.status, pairs, encode(error.body(exchange.trace))

    def report(
        self,
        exchange: MockExchange,
        seen: kit.Exchange,
        answer: Answer,
        findings: list[Breach],
        rules: list[str],
        clock: tuple[float, float],  # when the request came in, when its answer began to be written
        relay: Relay,
    ) -> None:
        incoming = exchange.incoming
        started = clock[0]
        request = f"{incoming.method} {incoming.path} -> {answer[0]}"
        masker = seen.masker()
        if findings:
            logger.warning("%s broke %s", masker(request), ", ".join(rules))
        self.log.add(self.checker.rules_checked(exchange.operation_id), findings, request, seen.curl, masker)
        credentials = seen.secrets()
        trace = next((value for name, value in answer[1] if name in TRACE_HEADERS), exchange.trace)
        exchanged = None
        if self.journal.keeping or self.har is not None:
            exchanged = whole(exchange, answer, credentials, clock, rules, relay, self.settings.journal_body_bytes)
        entry = self.journal.record(
            Entry(
                id=self.journal.next_id(),
                time=time.time(),
                method=incoming.method,
                path=incoming.path[:500],
                query=masker(incoming.raw_query)[:1000],
                operation_id=exchange.operation_id,
                status=answer[0],
                duration_ms=round((time.monotonic() - started) * 1000, 3),
                credential=credentials[0] if credentials else None,
                trace=trace,
                scenario=None,
                violations=tuple(rules),
                exchange=exchanged,
            )
        )
        if self.har is not None:
            self.har.add(shown(entry._asdict()))


async def send_answer(send: Send, status: int, headers: list[tuple[str, str]], body: bytes, head: bool) -> None:
    raw: list[Any] = [(b"content-length", b"%d" % len(body))]
    raw += [(name.encode("latin-1"), value.encode("latin-1", "replace")) for name, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else body})
