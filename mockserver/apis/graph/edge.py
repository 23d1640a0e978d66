"""Behaviour of the Meta Graph `client_ad_accounts` edge: tokens, businesses, cursors, summary, and access
requests, over what the edge shows without its world (`surface`)."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any
from urllib.parse import urlencode

from mockserver.apis.graph.render import graph_time, render_node
from mockserver.apis.graph.request import param, query_param
from mockserver.apis.graph.surface import GraphSurface
from mockserver.apis.pagination import CursorCodec, cursor_window
from mockserver.contract.operations import Operations, Registry
from mockserver.errors import GraphError
from mockserver.exchange import Reply, RequestContext, encode, join_array, join_object
from mockserver.state.cache import WorldCache
from mockserver.state.interface import StateBackend
from mockserver.world.records import Relation, Token

Json = dict[str, Any]

BEARER_RE = re.compile(r"(?i)(?:bearer|oauth)\s+(\S+)")
SUMMARY_ON = ("true", "total_count")
HANDLERS = Registry()  # the edge's behaviour by operationId, bound to the running `GraphApi`


class GraphApi(GraphSurface):
    def __init__(self, operations: Operations, state: StateBackend, seed: int) -> None:
        super().__init__(operations, seed)
        self.state = state
        self.store = store = state.store
        self.cursors = CursorCodec(store.world.app_secret)
        self.nodes = WorldCache(store)  # encoded nodes by (relation, fields), joined into pages

    # ---- the pipeline's steps

    def authenticate(self, exchange: RequestContext) -> None:
        authorization = exchange.incoming.headers.get("authorization")
        header = BEARER_RE.fullmatch(authorization.strip()) if authorization else None
        in_query = query_param(exchange, "access_token")
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

    def authorize(self, exchange: RequestContext) -> None:
        business_id = exchange.incoming.path_params["business_id"]
        token: Token = exchange.principal
        if business_id not in token.business_ids or business_id not in self.store.world.businesses:
            raise GraphError.unsupported_request(business_id, exchange.incoming.method.lower())
        if not token.can_manage:
            raise GraphError(200, "(#200) Requires business_management permission to manage the object")

    @HANDLERS("listClientAdAccounts")
    def list(self, exchange: RequestContext, params: Json) -> Reply:
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

    def _link(self, exchange: RequestContext, direction: str, cursor: str) -> str:
        """The request's own URL, query included, with the cursor swapped."""
        incoming = exchange.incoming
        query = [(k, v) for k, v in incoming.query if k not in ("after", "before")]
        return f"{incoming.base_url}{incoming.path}?{urlencode([*query, (direction, cursor)])}"

    @HANDLERS("createClientAdAccount")
    async def create(self, exchange: RequestContext, params: Json) -> Reply:
        business_id = exchange.incoming.path_params["business_id"]
        outcome = await self.state.request_access(business_id, params["adaccount_id"], params["permitted_tasks"])
        if isinstance(outcome, Relation):
            return Reply(200, {"access_status": outcome.access_status})
        if outcome == "graph_100_post_33":
            raise GraphError.unsupported_request(params["adaccount_id"], "post")
        raise self.example_error(outcome)
