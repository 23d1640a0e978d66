"""Behaviour of the KlayrAI Accounts API: API-key auth, plan check, version header, filter and page math."""

from __future__ import annotations

import random
from typing import Any

from mockserver.apis.pagination import page_window
from mockserver.contract.params import ParameterParser, ParamFault
from mockserver.contract.spec import Contract, Example
from mockserver.errors import ApiError, KlayraiError
from mockserver.exchange import Exchange, Reply, encode, join_array, join_object
from mockserver.state.cache import WorldCache
from mockserver.state.limits import Usage
from mockserver.state.store import Store
from mockserver.world.records import AdAccount, ApiKey, Connection

Json = dict[str, Any]

STATUS_FROM_ACCOUNT_STATUS = {1: "active", 3: "active", 7: "active", 8: "active", 9: "active", 2: "disabled"}
VERSION_HEADER = "klayrai-version"


def klayrai_status(account_status: int) -> str:
    """KlayrAI `status` of a Meta `account_status` (docs/decisions.md)."""
    return STATUS_FROM_ACCOUNT_STATUS.get(account_status, "closed")


def render_account(connection: Connection, store_world: Any) -> Json:
    """The Account object of the contract, joined with its Meta ad account and owner business."""
    meta: AdAccount = store_world.ad_accounts[connection.meta_account_id]
    owner = store_world.businesses[meta.owner_business_id]
    return {
        "id": connection.id,
        "metaAccountId": connection.meta_account_id,
        "name": meta.name,
        "currency": meta.currency,
        "timezone": meta.timezone_name,
        "status": klayrai_status(meta.account_status),
        "connectionStatus": connection.connection_status,
        "businessName": owner.name,
        "businessId": owner.id,
        "permissions": list(connection.permissions),
        "lastSyncedAt": connection.last_synced_at,
        "campaignCount": connection.campaign_count,
        "activeCampaignCount": connection.active_campaign_count,
        "totalSpendLast30d": connection.total_spend_last_30d,
        "connectedAt": connection.connected_at,
        "connectedBy": connection.connected_by,
    }


class KlayraiApi:
    name = "klayrai"
    operations = ("listAccounts",)
    content_type = "application/json"

    def __init__(self, contract: Contract, store: Store, seed: int) -> None:
        self.contract = contract
        self.store = store
        self.rng = random.Random(seed)
        self.versions: list[str] = list(contract.spec["x-supported-klayrai-versions"])
        self.latest = self.versions[-1]
        op = contract.operations["listAccounts"].definition
        self.parser = ParameterParser(
            contract,
            "listAccounts",
            order=op["x-parameter-order"],
            reject_unknown=op.get("x-unknown-query-parameters") == "reject",
            reject_repeated=True,
        )
        self.records = WorldCache(store)  # encoded accounts, joined into pages
        self.paths = frozenset(contract.operations[op].path for op in self.operations)

    # ---- routing

    @staticmethod
    def owns(path: str) -> bool:
        return path == "/v1" or path.startswith("/v1/")

    def new_trace(self) -> str:
        return f"req_{self.rng.getrandbits(64):016x}"

    def not_found(self, exchange: Exchange) -> ApiError:
        return KlayraiError("not_found", f"No such path '{exchange.incoming.path}'.")

    def method_not_allowed(self, exchange: Exchange, allowed: list[str]) -> ApiError:
        incoming = exchange.incoming
        if incoming.path not in self.paths:  # `GET /v1` matched a Graph batch path (`/{graph_version}`): not ours
            return self.not_found(exchange)
        methods = ", ".join(allowed)
        message = f"Method {incoming.method} is not allowed on {incoming.path}; allowed: {methods}."
        return KlayraiError("method_not_allowed", message, headers={"Allow": methods})

    def route_check(self, exchange: Exchange) -> None:
        """A path under /v1 that connexion matched to another API's operation (`POST /v1`, a Graph batch path whose
        version would be `v1`) is not a KlayrAI path."""
        if exchange.operation_id not in self.operations:
            exchange.operation_id = None  # unrouted, as far as this API is concerned
            raise self.not_found(exchange)

    # ---- the pipeline's steps

    def authenticate(self, exchange: Exchange) -> None:
        key = exchange.incoming.headers.get("x-api-key")
        if not key:
            raise KlayraiError.missing_key()
        api_key: ApiKey | None = self.store.world.api_keys.get(key)
        if api_key is None or api_key.revoked:
            raise KlayraiError("authentication_error", "Invalid API key provided.")
        exchange.principal = api_key
        exchange.credential = key

    def body_params(self, exchange: Exchange) -> Json:
        return {}  # the only KlayrAI operation is a GET

    def authorize(self, exchange: Exchange) -> None:
        workspace = self.store.world.workspaces[exchange.principal.workspace_id]
        if workspace.plan != "agency":
            raise KlayraiError("plan_insufficient", "API access requires the Agency plan.")

    def parse(self, exchange: Exchange) -> Json:
        incoming = exchange.incoming
        try:
            return self.parser.parse(incoming.query, incoming.headers, incoming.path_params)
        except ParamFault as fault:
            raise KlayraiError("invalid_request", fault.message, param=fault.name) from None

    def respond(self, exchange: Exchange, params: Json) -> Reply:
        world = self.store.world
        selected = self.store.workspace_connections(exchange.principal.workspace_id, params["status"])
        page, page_size = params["page"], params["page_size"]
        window = page_window(len(selected), page, page_size)
        pagination = {"total": len(selected), "page": page, "page_size": page_size, "hasMore": window.has_more}
        parts = [
            self.records.get((c.workspace_id, c.id), lambda c=c: encode(render_account(c, world)))
            for c in selected[window.start : window.stop]
        ]
        body = join_object([(b"data", join_array(parts)), (b"pagination", encode(pagination))])
        return Reply(200, body)

    # ---- answers the pipeline asks for

    def rate_limited(self, exchange: Exchange, usage: Usage, now: float) -> ApiError:
        retry = usage.retry_after(now)
        return KlayraiError(
            "rate_limit_error",
            f"Rate limit exceeded. Retry after {retry} seconds.",
            headers={"Retry-After": str(retry)},
        )

    def bad_preference(self, message: str) -> ApiError:
        return KlayraiError("invalid_request", message, param="Prefer")

    def internal_error(self, detail: str = "Internal server error.") -> ApiError:
        return KlayraiError("api_error", detail)

    def forced(self, exchange: Exchange, example: Example, body: Any, usage: Usage, now: float) -> Reply | ApiError:
        """A documented response chosen by `Prefer` or a scenario, with this request's ids and headers."""
        if example.status < 400:
            return Reply(example.status, body)
        if example.status == 429 and body == example.value:
            return self.rate_limited(exchange, usage, now)  # the documented wording, with this window's numbers
        error = KlayraiError.from_body(body)
        if example.status == 429:
            error.headers["Retry-After"] = str(usage.retry_after(now))
        return error

    def headers(self, exchange: Exchange, usage: Usage, now: float) -> dict[str, str]:
        requested = exchange.incoming.headers.get(VERSION_HEADER)
        return {
            "x-request-id": exchange.trace,
            VERSION_HEADER: requested if requested in self.versions else self.latest,
            "X-RateLimit-Limit": str(usage.limit),
            "X-RateLimit-Remaining": str(usage.remaining),
            "X-RateLimit-Reset": str(int(usage.reset_at)),
        }

    def wire_status(self, exchange: Exchange, status: int) -> int:
        return status
