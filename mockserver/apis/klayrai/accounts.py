"""Behaviour of the KlayrAI Accounts API: API-key auth, plan check, filter and page math, over what the API shows
without its world (`surface`)."""

from __future__ import annotations

from typing import Any

from mockserver.apis.klayrai.surface import KlayraiSurface
from mockserver.apis.pagination import page_window
from mockserver.contract.operations import Operations, Registry
from mockserver.errors import KlayraiError
from mockserver.exchange import Reply, RequestContext, encode, join_array, join_object
from mockserver.state.cache import WorldCache
from mockserver.state.store import Store
from mockserver.world.records import AdAccount, ApiKey, Connection

Json = dict[str, Any]

STATUS_FROM_ACCOUNT_STATUS = {1: "active", 3: "active", 7: "active", 8: "active", 9: "active", 2: "disabled"}
HANDLERS = Registry()  # the API's behaviour by operationId, bound to the running `KlayraiApi`


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


class KlayraiApi(KlayraiSurface):
    def __init__(self, operations: Operations, store: Store, seed: int) -> None:
        super().__init__(operations, seed)
        self.store = store
        self.records = WorldCache(store)  # encoded accounts, joined into pages

    # ---- the pipeline's steps

    def authenticate(self, exchange: RequestContext) -> None:
        key = exchange.incoming.headers.get("x-api-key")
        if not key:
            raise KlayraiError.missing_key()
        api_key: ApiKey | None = self.store.world.api_keys.get(key)
        if api_key is None or api_key.revoked:
            raise KlayraiError("authentication_error", "Invalid API key provided.")
        exchange.principal = api_key
        exchange.credential = key

    def authorize(self, exchange: RequestContext) -> None:
        workspace = self.store.world.workspaces[exchange.principal.workspace_id]
        if workspace.plan != "agency":
            raise KlayraiError("plan_insufficient", "API access requires the Agency plan.")

    @HANDLERS("listAccounts")
    def list(self, exchange: RequestContext, params: Json) -> Reply:
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
