"""Graph batch requests (docs/decisions.md): `POST /{version}/`, `/{version}` or `/` with `batch`, a JSON array
of requests, as a form field or a JSON body.

Each item is answered as if it had been sent alone: it becomes a request of its own (method, path, query, headers,
body) and goes through the mock's pipeline like one from a socket (routing, auth, Prefer and scenarios, rate limit,
parameters, behaviour, response validation, journal), in item order, so a POST is seen by the GET after it. The
batch itself is authenticated like any call (its token is the items' fallback) and counts against no rate limit:
its items do, one each.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, unquote, unquote_plus, urlencode

from mockserver.apis.graph.surface import DEFAULT_VERSION, VERSION_RE
from mockserver.contract.operations import Registry
from mockserver.contract.spec import Contract
from mockserver.errors import ApiError, GraphError
from mockserver.exchange import Incoming, Outcome, Rendered, Reply, RequestContext, encode
from mockserver.gc_pause import gc_paused

if TYPE_CHECKING:
    from starlette.types import Receive, Scope

    from mockserver.apis.api import Api
    from mockserver.controls.prefer import Directive

Json = dict[str, Any]
ReadIncoming = Callable[["Scope", "Receive"], Awaitable[Incoming]]
HANDLERS = Registry()  # the batch operations, bound to the running `GraphBatch`
METHOD_RE = re.compile(r"[A-Za-z]{1,16}")
REFERENCE_RE = re.compile(r"\{result=[^}]*\}")  # JSONPath references between items: `{result=name:$.data.*.id}`
HEADER_LINE_RE = re.compile(r"[^:]+:.*", re.DOTALL)
OPTIONAL_MEMBERS = {"name": str, "depends_on": str, "omit_response_on_success": bool}
MEMBERS = ("method", "relative_url", "body", "headers", *OPTIONAL_MEMBERS)
BOOLEANS = {"true": True, "false": False, True: True, False: False, None: True}


class Pipeline(Protocol):
    """What the batch asks of the mock's pipeline: an item is answered, rendered and journaled as a request."""

    async def answer(self, incoming: Incoming) -> tuple[Api, RequestContext, Rendered]: ...
    def render(self, api: Api, exchange: RequestContext, outcome: Outcome) -> Rendered: ...
    def record(self, exchange: RequestContext, status: int) -> None: ...
    async def directive(self, api: Api, exchange: RequestContext) -> Directive | None: ...
    def force(self, api: Api, exchange: RequestContext, directive: Directive) -> Outcome: ...


class GraphBatch:
    def __init__(self, pipeline: Pipeline, read_incoming: ReadIncoming, contract: Contract) -> None:
        """`read_incoming`: the pipeline's own decoding of a request, so that an item is read as a socket's is."""
        self.pipeline = pipeline
        self.read_incoming = read_incoming
        self.max_items = int(contract.deref({"$ref": "#/components/schemas/GraphBatchItems"})["maxItems"])

    @HANDLERS("graphBatch", "graphBatchNoSlash", "graphBatchRoot")
    async def run(self, api: Api, exchange: RequestContext) -> Outcome:
        """The batch's own checks (route, auth, Prefer on the batch), then each item through the pipeline."""
        pipeline = self.pipeline
        api.route_check(exchange)
        api.authenticate(exchange)
        directive = await pipeline.directive(api, exchange)
        if directive is not None and directive.forces:
            return pipeline.force(api, exchange, directive)
        api.body_params(exchange)
        if exchange.body_fault:
            raise GraphError.invalid_parameter(exchange.body_fault)
        items = self.parse(api, exchange)
        include = self.param(api, exchange, "include_headers")
        if type(include) not in (str, bool, type(None)) or include not in BOOLEANS:
            raise GraphError.invalid_parameter("include_headers must be true or false")
        with_headers = BOOLEANS[include]
        fallback = self.fallback_credentials(api, exchange)
        answers = []
        with gc_paused():  # short-lived objects only; collections triggered by them cost more than the items
            for item in items:
                status, headers, body = await self.answer(api, exchange, item, fallback)
                answer: Json = {"code": status}
                if with_headers:
                    answer["headers"] = [{"name": name, "value": value} for name, value in headers.items()]
                answer["body"] = body.decode("utf-8", "replace")
                answers.append(answer)
        return Reply(200, encode(answers))

    # ---- the batch parameter

    def param(self, api: Api, exchange: RequestContext, name: str) -> Any:
        """A parameter of the batch: the query's last value, else the body's (form field or JSON member)."""
        in_query = next((v for k, v in reversed(exchange.incoming.query) if k == name), None)
        if in_query is not None:
            return in_query
        value = api.body_params(exchange).get(name)
        form = exchange.incoming.content_type != "application/json"
        return value[-1] if form and isinstance(value, list) and value else value

    def parse(self, api: Api, exchange: RequestContext) -> list[Json]:
        raw = self.param(api, exchange, "batch")
        if raw is None or raw == "":
            raise GraphError.invalid_parameter("The parameter batch is required")
        items = raw
        if isinstance(raw, str):
            try:
                items = exchange.incoming.limits.loads(raw)
            except ValueError:
                raise GraphError.invalid_parameter("batch must be a JSON array of objects: it is not JSON") from None
        if not isinstance(items, list) or not items:
            raise GraphError.invalid_parameter("batch must be a JSON array of objects, with at least one")
        if len(items) > self.max_items:
            raise GraphError.invalid_parameter(
                f"Too many requests in batch message. Maximum batch size is {self.max_items}"
            )
        for index, item in enumerate(items):
            problem = item_problem(item)
            if problem:
                raise GraphError.invalid_parameter(f"batch[{index}]{problem}")
        return items

    # ---- one item

    async def answer(self, api: Api, batch: RequestContext, item: Json, fallback: str) -> Rendered:
        """The item as a request of its own, routed through the contract's table by the pipeline, answered and
        journaled."""
        pipeline = self.pipeline
        scope = self.item_scope(batch, item, fallback)
        body = item_body(item.get("body"))
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            more, sent = not sent, True
            return {"type": "http.request", "body": body if more else b"", "more_body": False}

        incoming = await self.read_incoming(scope, receive)
        refused = refusal(incoming, item)
        if refused is not None:
            exchange = RequestContext(incoming, None, api.new_trace())
            rendered = pipeline.render(api, exchange, refused)
        else:
            api, exchange, rendered = await pipeline.answer(incoming)
        batch.delay_ms += exchange.delay_ms
        batch.usage = exchange.usage or batch.usage
        status, headers, content = rendered
        pipeline.record(exchange, rendered, api.content_type)
        return status, {"Content-Type": api.content_type, **headers}, content

    def fallback_credentials(self, api: Api, batch: RequestContext) -> str:
        """The batch's token (and `appsecret_proof`) as query text, for the items that bring none of their own."""
        own = [("access_token", batch.credential or "")]
        proof = self.param(api, batch, "appsecret_proof")
        if isinstance(proof, str):
            own.append(("appsecret_proof", proof))
        return urlencode(own)

    def item_scope(self, batch: RequestContext, item: Json, fallback: str) -> dict[str, Any]:
        """An ASGI scope for the item: its path under the batch's version, its query with the batch's token unless it
        carries its own, its headers, the batch's host (so that paging links point where the client called)."""
        incoming = batch.incoming
        target, _, query = item["relative_url"].strip().partition("?")
        segments = [s for s in target.split("/") if s]
        if not segments or not VERSION_RE.fullmatch(segments[0]):
            version = incoming.path.split("/")[1] if incoming.path.count("/") >= 1 else ""
            segments.insert(0, version if VERSION_RE.fullmatch(version) else DEFAULT_VERSION)
        path = unquote("/" + "/".join(segments) + ("/" if target.endswith("/") and len(segments) > 1 else ""))
        headers = item_headers(item.get("headers"))
        body = item.get("body")
        if body not in (None, "") and "content-type" not in headers:
            headers["content-type"] = "application/x-www-form-urlencoded"
        if not carries_token(query, body, headers):
            query = fallback + ("&" + query if query else "")
        headers["host"] = incoming.base_url.split("://", 1)[1]
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": item["method"].upper(),
            "scheme": "http" if incoming.base_url.startswith("http:") else "https",
            "path": path,
            "raw_path": path.encode("utf-8"),
            "root_path": "",
            "query_string": query.encode("utf-8"),
            "headers": [(k.encode("latin-1", "replace"), v.encode("latin-1", "replace")) for k, v in headers.items()],
            "extensions": {},
        }


def item_problem(item: Any) -> str | None:
    """Why an item is malformed (a fault of the whole batch), or None."""
    if not isinstance(item, dict):
        return " must be an object with method and relative_url"
    method, url = item.get("method"), item.get("relative_url")
    if not isinstance(method, str) or not METHOD_RE.fullmatch(method):
        return ".method is required: an HTTP method such as GET or POST"
    if not isinstance(url, str) or not url.strip() or any(c in url for c in "\r\n#"):
        return ".relative_url is required: a path relative to the version, such as <id>/client_ad_accounts?limit=2"
    if "body" in item and not isinstance(item["body"], str):
        return ".body must be form text (k=v&...)"
    headers = item.get("headers")
    if headers is not None and not (isinstance(headers, list) and all(map(header_shape_ok, headers))):
        return '.headers must be a list of {"name": ..., "value": ...} objects or "Name: value" strings'
    for key, kind in OPTIONAL_MEMBERS.items():
        if key in item and not isinstance(item[key], kind):
            return f".{key} must be a {kind.__name__}"
    unknown = next((key for key in item if key not in MEMBERS), None)
    if unknown is not None:
        return f".{unknown} is not supported; members: {', '.join(MEMBERS)}"
    return None


def header_shape_ok(header: Any) -> bool:
    if isinstance(header, str):
        return HEADER_LINE_RE.fullmatch(header) is not None
    return (
        isinstance(header, dict)
        and set(header) == {"name", "value"}
        and isinstance(header["name"], str)
        and isinstance(header["value"], str)
    )


def item_headers(headers: list[Any] | None) -> dict[str, str]:
    """Both shapes (`{"name", "value"}` and `"Name: value"`), names lowercased; the first of a repeated one wins."""
    found: dict[str, str] = {}
    for header in headers or ():
        name, value = header.split(":", 1) if isinstance(header, str) else (header["name"], header["value"])
        found.setdefault(name.strip().lower(), value.strip())
    return found


def item_body(body: str | None) -> bytes:
    return b"" if body is None else body.encode("utf-8")


def carries_token(query: str, body: str | None, headers: dict[str, str]) -> bool:
    """Whether the item brings its own token (query, body or Authorization), which then wins over the batch's."""
    if "authorization" in headers or any(k == "access_token" for k, _ in parse_qsl(query)):
        return True
    return bool(body) and any(k == "access_token" for k, _ in parse_qsl(body or ""))


def refusal(incoming: Incoming, item: Json) -> ApiError | None:
    """An item the mock will not run: JSONPath references between items, or a batch inside a batch."""
    body = unquote_plus(incoming.body.decode("utf-8", "replace"))
    if REFERENCE_RE.search(unquote(item["relative_url"])) or REFERENCE_RE.search(body):
        return GraphError.invalid_parameter(
            "JSONPath references between batch requests ({result=...}) are not supported by this mock: "
            "send the requests one after the other"
        )
    if len([s for s in incoming.path.split("/") if s]) < 2:
        return GraphError.invalid_parameter("A batch request cannot contain another batch request")
    return None
