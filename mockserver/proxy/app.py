"""The validating proxy as one ASGI app: `/__mock/violations`, `/__mock/journal` and `/__mock/health`, and every
other request judged, forwarded (or, under `--strict`, answered), judged again on its answer, and reported.

It holds a `Mock` built from the contract for the mock's own request machinery (its APIs' routes, parameter
parsers, envelopes and headers), its response validator and its journal; the mock's world is never consulted.
At lifespan shutdown (the server's SIGINT/SIGTERM handling) it prints the summary and writes the JUnit file.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.apis.api import Api
from mockserver.contract.secrets import mask_query
from mockserver.controls.admin import PREFIX, journal_endpoint
from mockserver.controls.admin_guard import AdminGuard
from mockserver.controls.exchange_record import capture, shaped_by
from mockserver.controls.har import har_endpoint
from mockserver.errors import ApiError, gateway_error
from mockserver.exchange import Exchange as MockExchange
from mockserver.exchange import encode
from mockserver.http.cors import Cors, exposed_headers
from mockserver.http.wire import read_incoming
from mockserver.mock import Mock
from mockserver.proxy import kit
from mockserver.proxy.checks import Checker, Finding
from mockserver.proxy.har_file import HarFile
from mockserver.proxy.links import rewrite_paging
from mockserver.proxy.record import Recorder
from mockserver.proxy.report import ViolationLog, header_value
from mockserver.proxy.settings import ProxySettings
from mockserver.proxy.upstream import Upstream, UpstreamFailure
from mockserver.settings import Settings

logger = logging.getLogger("mockserver.proxy")
VIOLATIONS_HEADER = "x-contract-violations"
TRACE_HEADERS = ("x-request-id", "x-fb-trace-id")
Answer = tuple[int, list[tuple[str, str]], bytes]


class ProxyApp:
    def __init__(self, settings: ProxySettings) -> None:
        self.settings = settings
        self.mock = Mock.build(
            Settings(
                journal_size=settings.journal_size,
                journal_bytes=settings.journal_bytes,
                journal_body_bytes=settings.journal_body_bytes,
            )
        )
        self.checker = Checker(self.mock)
        self.upstream = Upstream(settings.connect_timeout, settings.timeout)
        self.log = ViolationLog()
        self.recorder = Recorder(settings.record, self.mock.contract) if settings.record else None
        self.har = HarFile(settings.record_har, settings.record_har_bytes) if settings.record_har else None
        self.finished = False
        routes = [
            Route(f"{PREFIX}/violations", self.violations),
            Route(f"{PREFIX}/journal", journal_endpoint(self.mock.journal), methods=["GET", "DELETE"]),
            Route(f"{PREFIX}/journal.har", har_endpoint(self.mock.journal)),
            Route(f"{PREFIX}/health", self.health),
        ]
        # The mock's own guard (token off loopback, loopback Host, JSON-only), outside CORS like the mock's.
        self.admin = AdminGuard(Starlette(routes=routes), settings.host, settings.admin_token, settings.admin_hosts)
        # The mock's CORS policy, its violations header exposed too (docs/decisions.md).
        self.entry: ASGIApp = Cors(
            self.proxy,
            settings.cors_origins,
            (*exposed_headers(self.mock.contract), VIOLATIONS_HEADER),
            always_open=lambda path: self.mock.api_for(path).name == "graph",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        elif scope["type"] != "http":
            return
        elif scope["path"].startswith(PREFIX + "/"):
            await self.admin(scope, receive, send)
        else:
            await self.entry(scope, receive, send)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.upstream.close()
                self.finish()
                await send({"type": "lifespan.shutdown.complete"})
                return

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

    async def violations(self, request: Request) -> Response:
        return JSONResponse(self.log.as_json())

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "exchanges": self.log.exchanges, "violations": self.log.total})

    # ---- one exchange

    async def proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        incoming = await read_incoming(scope, receive)
        api = self.mock.api_for(incoming.path)
        operation_id, incoming.path_params, _ = self.checker.route(incoming.method, incoming.path)
        exchange = MockExchange(incoming, operation_id, api.new_trace())
        base = self.settings.upstream_for(api.name).rstrip("/")
        path = scope.get("raw_path", b"").decode("latin-1") or quote(incoming.path)  # as sent: %2F stays %2F
        exchange.context["target"] = path + (f"?{incoming.raw_query}" if incoming.raw_query else "")
        exchange.context["upstream"] = base
        url = base + exchange.context["target"]
        seen = kit.Exchange(incoming.method, url, dict(incoming.headers), incoming.body, 0, {}, b"")
        verdict = self.checker.check_request(api, exchange, seen)
        findings = list(verdict.findings)
        if verdict.error is not None and (self.settings.strict or incoming.body_too_large):
            answer = self.render(api, exchange, verdict.error)  # never forward a truncated body
        else:
            answer = await self.forward(api, exchange, seen, scope, findings, base)
        rules = list(dict.fromkeys(finding.rule for finding in findings))
        headers = answer[1]
        if rules:
            headers = [*headers, (VIOLATIONS_HEADER, header_value(rules))]
        writing = time.monotonic()
        await send_answer(send, answer[0], headers, answer[2], head=incoming.method == "HEAD")
        self.report(exchange, seen, (answer[0], headers, answer[2]), findings, rules, (started, writing))

    async def forward(
        self, api: Api, exchange: MockExchange, seen: kit.Exchange, scope: Scope, findings: list[Finding], base: str
    ) -> Answer:
        """Forward, judge the answer, and return what the client gets (`findings` is extended in place)."""
        raw_headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]
        try:
            upstream = await self.upstream.send(seen.method, seen.url, raw_headers, seen.request_body)
        except UpstreamFailure as failure:
            findings.append(Finding(failure.rule, failure.message))
            return self.render(api, exchange, gateway_error(api.name, failure.status, failure.message))
        joined: dict[str, str] = {}
        for name, value in upstream.headers:
            joined[name] = f"{joined[name]}, {value}" if name in joined else value
        answered = replace(seen, status=upstream.status, headers=joined, body=upstream.body)
        trace = next((joined[name] for name in TRACE_HEADERS if name in joined), "")
        broken = self.checker.check_response(api, exchange.operation_id, answered, trace, list(findings))
        findings += broken
        if self.recorder is not None and exchange.operation_id is not None:
            self.recorder.record(exchange.operation_id, answered, kit.masker(answered))
        if broken and self.settings.strict:
            names = ", ".join(dict.fromkeys(finding.rule for finding in broken))
            message = f"The upstream's answer (HTTP {upstream.status}) broke the contract: {names}"
            return self.render(api, exchange, gateway_error(api.name, 502, message))
        body = upstream.body
        if api.name == "graph":
            body = rewrite_paging(body, base, exchange.incoming.base_url) or body
        return upstream.status, upstream.headers, body

    def render(self, api: Api, exchange: MockExchange, error: ApiError) -> Answer:
        """The proxy's own answer in the API's envelope and headers, as the mock renders its errors."""
        exchange.scenario = "proxy"  # the proxy's own answer, not the upstream's
        headers = api.headers(exchange, self.mock.limiter.peek(), self.mock.limiter.clock())
        headers.update(error.error_headers())
        pairs = [("content-type", "application/json"), *((name.lower(), value) for name, value in headers.items())]
        return error.status, pairs, encode(error.body(exchange.trace))

    def report(
        self,
        exchange: MockExchange,
        seen: kit.Exchange,
        answer: Answer,
        findings: list[Finding],
        rules: list[str],
        clock: tuple[float, float],  # when the request came in, when its answer began to be written
    ) -> None:
        incoming = exchange.incoming
        started = clock[0]
        request = f"{incoming.method} {incoming.path} -> {answer[0]}"
        masker = kit.masker(seen)
        if findings:
            logger.warning("%s broke %s", masker(request), ", ".join(rules))
        self.log.add(self.checker.rules_checked(exchange.operation_id), findings, request, seen.curl, masker)
        credentials = kit.secrets(seen)
        trace = next((value for name, value in answer[1] if name in TRACE_HEADERS), exchange.trace)
        whole: dict[str, Any] = {}
        if self.mock.journal.keeping or self.har is not None:
            whole = self.whole(exchange, answer, credentials, clock, rules)
        entry = self.mock.journal.record(
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
            **whole,
        )
        if self.har is not None:
            self.har.add(entry._asdict())

    def whole(
        self, exchange: MockExchange, answer: Answer, secrets: list[str], clock: tuple[float, float], rules: list[str]
    ) -> dict[str, Any]:
        """The journal's (and the HAR file's) whole exchange: the request as the client sent it to the proxy, the
        answer as the client got it; shaped by the upstream, or by the proxy when it answered itself."""
        started, writing = clock
        now = time.monotonic()
        incoming = exchange.incoming
        own = exchange.scenario == "proxy"
        return capture(
            url=incoming.base_url + masked_target(exchange.context["target"]),
            request_headers=incoming.headers,
            request_body=incoming.body,
            response_headers=tuple(answer[1]),
            response_body=answer[2],
            secrets=tuple(secrets),
            body_limit=self.settings.journal_body_bytes,
            timings={"wait": round((writing - started) * 1000, 3), "receive": round((now - writing) * 1000, 3)},
            shaped=shaped_by("proxy", rules[0] if rules else None)
            if own
            else shaped_by("upstream", exchange.context["upstream"]),
        )


def masked_target(target: str) -> str:
    """`path?query` with the query's secrets masked."""
    path, mark, query = target.partition("?")
    return path + mark + mask_query(query)


async def send_answer(send: Send, status: int, headers: list[tuple[str, str]], body: bytes, head: bool) -> None:
    raw: list[Any] = [(b"content-length", b"%d" % len(body))]
    raw += [(name.encode("latin-1"), value.encode("latin-1", "replace")) for name, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else body})
