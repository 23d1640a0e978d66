"""Behaviour of the Meta Graph `client_ad_accounts` edge: tokens, fields, cursors, summary, and access requests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import random
import re
from typing import Any
from urllib.parse import urlencode

from mockserver.apis.graph.fields import parse_fields
from mockserver.apis.graph.render import GRAPH_HEADERS, app_usage_json, graph_time, render_node, usage_json
from mockserver.apis.graph.request import body_params, param, parse_tasks, task_values
from mockserver.apis.pagination import CursorCodec, cursor_window
from mockserver.cache import WorldCache
from mockserver.contract.params import ParameterParser, ParamFault, ecma_pattern
from mockserver.contract.spec import Contract, Example
from mockserver.errors import ApiError, GraphError
from mockserver.exchange import Exchange, Reply, encode, join_array, join_object
from mockserver.ratelimit import Usage
from mockserver.store import Store
from mockserver.world.records import Relation, Token

Json = dict[str, Any]

DEFAULT_VERSION = "v25.0"
VERSION_RE = re.compile(r"v[0-9]+\.[0-9]+")
BEARER_RE = re.compile(r"(?i)(?:bearer|oauth)\s+(\S+)")
SUMMARY_ON = ("true", "total_count")
SUPPRESS_ON = ("1", "true")


class GraphApi:
    name = "graph"
    operations = ("listClientAdAccounts", "createClientAdAccount")
    content_type = "application/json; charset=UTF-8"

    def __init__(self, contract: Contract, store: Store, seed: int) -> None:
        self.contract = contract
        self.store = store
        self.rng = random.Random(seed)
        self.cursors = CursorCodec(store.world.app_secret)
        self.nodes = WorldCache(store)  # encoded nodes by (relation, fields), joined into pages
        self.list_parser = ParameterParser(contract, "listClientAdAccounts", also_known=("access_token",))
        self.default_fields = tuple(contract.operations["listClientAdAccounts"].definition["x-default-fields"])
        create = contract.operations["createClientAdAccount"].definition
        self.default_tasks = list(create["x-default-permitted-tasks"])
        self.tasks = contract.deref({"$ref": "#/components/schemas/PermittedTask"})["enum"]
        self.fields = frozenset(contract.deref({"$ref": "#/components/schemas/AdAccountField"})["enum"])
        self.account_id_re = ecma_pattern(contract.deref({"$ref": "#/components/schemas/AdAccountIdInput"})["pattern"])
        self.examples = {**contract.examples("listClientAdAccounts"), **contract.examples("createClientAdAccount")}

    # ---- routing

    @staticmethod
    def owns(path: str) -> bool:
        return True  # Graph is the catch-all: every path that is not another API's is a Graph path

    def new_trace(self) -> str:
        return base64.urlsafe_b64encode(self.rng.getrandbits(136).to_bytes(17, "big")).decode().rstrip("=")

    def version(self, exchange: Exchange) -> str:
        requested = exchange.incoming.path.split("/")[1] if exchange.incoming.path.count("/") >= 1 else ""
        return requested if VERSION_RE.fullmatch(requested) else DEFAULT_VERSION

    def not_found(self, exchange: Exchange) -> ApiError:
        segments = [s for s in exchange.incoming.path.split("/") if s]
        if segments and VERSION_RE.fullmatch(segments[0]):
            segments = segments[1:]
        if len(segments) > 1:
            segments = segments[1:]
        return GraphError.unknown_path("/" + "/".join(segments))

    def method_not_allowed(self, exchange: Exchange, allowed: list[str]) -> ApiError:
        """A wrong method on an edge names its object, as Graph does; on a batch path (`GET /v25.0/`, `GET /`,
        `GET /nothing`), which names none, the path is unknown."""
        segments = [s for s in exchange.incoming.path.split("/") if s]
        if len(segments) < 2 or not VERSION_RE.fullmatch(segments[0]):
            return self.not_found(exchange)
        return GraphError.unsupported_request(segments[1], exchange.incoming.method.lower())

    def route_check(self, exchange: Exchange) -> None:
        version = exchange.incoming.path_params.get("graph_version")
        if version is not None and not VERSION_RE.fullmatch(version):  # `POST /` (a batch) names no version
            raise self.not_found(exchange)

    # ---- the pipeline's steps

    body_params = staticmethod(body_params)  # `Api.body_params`: the body depends on the exchange alone

    def authenticate(self, exchange: Exchange) -> None:
        header = BEARER_RE.fullmatch(exchange.incoming.headers.get("authorization", "").strip())
        in_query = next((v for k, v in reversed(exchange.incoming.query) if k == "access_token"), None)
        token_text = in_query or (header.group(1) if header else None) or param(exchange, "access_token")
        if not isinstance(token_text, str) or not token_text:
            raise GraphError.token_required()
        token: Token | None = self.store.world.tokens.get(token_text)
        if token is None:
            raise GraphError(190, "Invalid OAuth access token - Cannot parse access token")
        if token.expired:
            raise GraphError(
                190,
                f"Error validating access token: Session has expired on {graph_time(token.expires_at)}. "
                f"The current time is {graph_time(self.store.world.now)}.",
                subcode=463,
            )
        proof = param(exchange, "appsecret_proof")
        if proof is not None:
            expected = hmac.new(self.store.world.app_secret.encode(), token_text.encode(), hashlib.sha256).hexdigest()
            if not isinstance(proof, str) or not hmac.compare_digest(proof.encode(), expected.encode()):
                raise GraphError(100, "Invalid appsecret_proof provided in the API argument")
        exchange.principal = token
        exchange.credential = token_text

    def authorize(self, exchange: Exchange) -> None:
        business_id = exchange.incoming.path_params["business_id"]
        token: Token = exchange.principal
        if business_id not in token.business_ids or business_id not in self.store.world.businesses:
            raise GraphError.unsupported_request(business_id, exchange.incoming.method.lower())
        if not token.can_manage:
            raise GraphError(200, "(#200) Requires business_management permission to manage the object")

    def parse(self, exchange: Exchange) -> Json:
        incoming = exchange.incoming
        if incoming.method != "POST":
            # `fields` first (the contract's parameter order), by its own grammar: field expansion has braces.
            raw_fields = next((v for k, v in reversed(incoming.query) if k == "fields"), "")
            fields = parse_fields(raw_fields, self.fields) if raw_fields.strip() else ()
            query = [(k, v) for k, v in incoming.query if k != "fields"]
            try:
                params = self.list_parser.parse(query, incoming.headers, incoming.path_params)
            except ParamFault as fault:
                raise self._param_error(fault) from None
            params["fields"] = fields
            return params
        body_params(exchange)
        if exchange.context["body_fault"]:
            raise GraphError.invalid_parameter(exchange.context["body_fault"])
        account_id = param(exchange, "adaccount_id")
        if account_id is None or account_id == "":
            raise self.example_error("graph_100_required")
        if not isinstance(account_id, str) or not self.account_id_re.search(account_id):
            raise GraphError.invalid_parameter("Param adaccount_id must be an ad account ID (act_<digits> or digits)")
        raw_tasks = task_values(exchange)
        tasks = parse_tasks(raw_tasks, exchange.incoming.limits) if raw_tasks else list(self.default_tasks)
        for index, task in enumerate(tasks):
            if task not in self.tasks:
                raise GraphError.invalid_parameter(
                    f"permitted_tasks[{index}] must be one of the following values: {', '.join(self.tasks)}"
                )
        if not tasks:
            raise GraphError.invalid_parameter("permitted_tasks must name at least one task")
        return {"adaccount_id": "act_" + account_id.removeprefix("act_"), "permitted_tasks": tuple(tasks)}

    def _param_error(self, fault: ParamFault) -> GraphError:
        return GraphError.invalid_parameter(fault.message)

    def respond(self, exchange: Exchange, params: Json) -> Reply:
        if exchange.incoming.method == "POST":
            return self.create(exchange, params)
        return self.list(exchange, params)

    def list(self, exchange: Exchange, params: Json) -> Reply:
        world = self.store.world
        business_id = exchange.incoming.path_params["business_id"]
        clients = self.store.client_accounts(business_id)
        relations, seqs = clients.relations, clients.seqs
        if params["search_query"]:
            needle = params["search_query"].casefold()
            relations = [r for r in relations if needle in world.ad_accounts[r.ad_account_id].name.casefold()]
            seqs = [r.seq for r in relations]
        after, before = (self._cursor(params, name) for name in ("after", "before"))
        start, stop = cursor_window(seqs, params["limit"], after=after, before=before)
        fields = tuple(params["fields"]) if params["fields"] else self.default_fields
        page = relations[start:stop]

        def node(r: Relation) -> bytes:
            return encode(render_node(world.ad_accounts[r.ad_account_id], r, fields, world))

        nodes = [self.nodes.get((r.seq, fields), lambda r=r: node(r)) for r in page]
        members = [(b"data", join_array(nodes))]
        if page:
            first, last = self.cursors.encode(page[0].seq), self.cursors.encode(page[-1].seq)
            paging: Json = {"cursors": {"before": first, "after": last}}
            if start > 0:
                paging["previous"] = self._link(exchange, "before", first)
            if stop < len(relations):
                paging["next"] = self._link(exchange, "after", last)
            members.append((b"paging", encode(paging)))
        if params["summary"] in SUMMARY_ON:
            members.append((b"summary", encode({"total_count": len(relations)})))
        return Reply(200, join_object(members))

    def _cursor(self, params: Json, name: str) -> int | None:
        if params[name] is None:
            return None
        try:
            return self.cursors.decode(params[name])
        except ValueError:
            raise GraphError.invalid_parameter(f"The {name} parameter is not a valid cursor") from None

    def _link(self, exchange: Exchange, direction: str, cursor: str) -> str:
        """The request's own URL, query included, with the cursor swapped."""
        incoming = exchange.incoming
        query = [(k, v) for k, v in incoming.query if k not in ("after", "before")]
        return f"{incoming.base_url}{incoming.path}?{urlencode([*query, (direction, cursor)])}"

    def create(self, exchange: Exchange, params: Json) -> Reply:
        business_id = exchange.incoming.path_params["business_id"]
        outcome = self.store.request_access(business_id, params["adaccount_id"], params["permitted_tasks"])
        if isinstance(outcome, Relation):
            return Reply(200, {"access_status": outcome.access_status})
        if outcome == "graph_100_post_33":
            raise GraphError.unsupported_request(params["adaccount_id"], "post")
        raise self.example_error(outcome)

    # ---- answers the pipeline asks for

    def example_error(self, name: str) -> GraphError:
        example = self.examples[name]
        return GraphError.from_body(example.value, example.status)

    def rate_limited(self, exchange: Exchange, usage: Usage, now: float) -> ApiError:
        exchange.context["throttled"] = True
        return self.example_error("graph_80004")

    def bad_preference(self, message: str) -> ApiError:
        return GraphError.invalid_parameter(message)

    def internal_error(self, detail: str = "") -> ApiError:
        return GraphError.unknown_error()

    def forced(self, exchange: Exchange, example: Example, body: Any, usage: Usage, now: float) -> Reply | ApiError:
        if example.status < 400:
            return Reply(example.status, body)
        error = GraphError.from_body(body, example.status)
        exchange.context["throttled"] = error.code in (80000, 80004)
        return error

    def headers(self, exchange: Exchange, usage: Usage, now: float) -> dict[str, str]:
        headers = {
            **GRAPH_HEADERS,
            "facebook-api-version": self.version(exchange),
            "x-fb-trace-id": exchange.trace,
            "x-fb-request-id": self.new_trace(),
        }
        if exchange.principal is not None:
            throttled = usage.exceeded or bool(exchange.context.get("throttled"))
            percent = 100 if throttled else min(100, round(usage.used_fraction * 100))
            headers["x-app-usage"] = app_usage_json(percent)
            business_id = exchange.incoming.path_params.get("business_id")
            if business_id is not None:  # a batch names no business: its items carry their own
                regain = max(1, math.ceil((usage.reset_at - now) / 60)) if throttled else 0
                headers["X-Business-Use-Case-Usage"] = usage_json(business_id, percent, regain)
        return headers

    def wire_status(self, exchange: Exchange, status: int) -> int:
        """`suppress_http_code=1` (the JavaScript SDK's): the same answer with HTTP 200, as Graph does."""
        if status == 200:
            return status
        suppress = param(exchange, "suppress_http_code")
        return 200 if isinstance(suppress, str) and suppress in SUPPRESS_ON else status
