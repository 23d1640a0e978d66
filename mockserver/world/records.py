"""The world's records: the typed, seeded data both APIs read, as a world file holds it.

A `World` is immutable; `mockserver.state.store.Store` adds the state that POSTs change. Records are built positionally
and with the cyclic GC paused (`mockserver.gc_pause`), since a world can hold 100,000 of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

Json = dict[str, Any]

# World-file keys in the order of the records' fields: positional construction is what makes 100,000 records fast.
CONNECTION_FIELDS = itemgetter(
    "id",
    "workspace_id",
    "metaAccountId",
    "connectionStatus",
    "permissions",
    "lastSyncedAt",
    "campaignCount",
    "activeCampaignCount",
    "totalSpendLast30d",
    "connectedAt",
    "connectedBy",
)
AD_ACCOUNT_FIELDS = itemgetter(
    "id",
    "name",
    "account_status",
    "disable_reason",
    "currency",
    "timezone_name",
    "timezone_offset_hours_utc",
    "amount_spent",
    "balance",
    "spend_cap",
    "created_time",
    "owner_business_id",
)


# ---- KlayrAI side


@dataclass(slots=True)
class Workspace:
    id: str
    name: str
    plan: str


@dataclass(slots=True)
class ApiKey:
    key: str
    workspace_id: str
    revoked: bool = False


@dataclass(slots=True)
class Connection:
    """A KlayrAI account: one Meta ad account connected to one workspace."""

    id: str
    workspace_id: str
    meta_account_id: str
    connection_status: str
    permissions: tuple[str, ...]
    last_synced_at: str
    campaign_count: int
    active_campaign_count: int
    total_spend_last_30d: float
    connected_at: str
    connected_by: str

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.connected_at, self.id)


# ---- Meta side


@dataclass(slots=True)
class Business:
    id: str
    name: str
    requires_approval: bool = False


@dataclass(slots=True)
class AdAccount:
    id: str
    name: str
    account_status: int
    disable_reason: int
    currency: str
    timezone_name: str
    timezone_offset_hours_utc: float
    amount_spent: str
    balance: str
    spend_cap: str
    created_time: str
    owner_business_id: str
    pending_ownership_request: bool = False

    @property
    def account_id(self) -> str:
        return self.id.removeprefix("act_")


@dataclass(slots=True)
class Token:
    token: str
    name: str
    business_ids: tuple[str, ...]
    expired: bool = False
    can_manage: bool = True
    expires_at: str = ""


@dataclass(slots=True)
class Relation:
    """An agency business's access to a client ad account."""

    business_id: str
    ad_account_id: str
    permitted_tasks: tuple[str, ...]
    access_status: str
    seq: int


@dataclass(frozen=True)
class World:
    """The seeded data, as loaded from a world file or generated."""

    seed: int
    now: str
    app_secret: str
    workspaces: dict[str, Workspace]
    api_keys: dict[str, ApiKey]
    connections: tuple[Connection, ...]
    businesses: dict[str, Business]
    ad_accounts: dict[str, AdAccount]
    tokens: dict[str, Token]
    relations: tuple[Relation, ...]

    @classmethod
    def from_dict(cls, data: Json) -> World:
        """Build a world from its file format. Shape errors raise KeyError/TypeError; `world.load` names them."""
        klayrai, meta = data["klayrai"], data["meta"]
        workspaces = {w["id"]: Workspace(w["id"], w["name"], w["plan"]) for w in klayrai["workspaces"]}
        api_keys = {
            k["key"]: ApiKey(k["key"], w["id"], bool(k.get("revoked", False)))
            for w in klayrai["workspaces"]
            for k in w["api_keys"]
        }
        connections = tuple(
            Connection(*CONNECTION_FIELDS(a)[:4], tuple(a["permissions"]), *CONNECTION_FIELDS(a)[5:])
            for a in klayrai["accounts"]
        )
        businesses = {
            b["id"]: Business(b["id"], b["name"], bool(b.get("requires_approval", False))) for b in meta["businesses"]
        }
        ad_accounts = {
            a["id"]: AdAccount(*AD_ACCOUNT_FIELDS(a), bool(a.get("pending_ownership_request", False)))
            for a in meta["ad_accounts"]
        }
        tokens = {
            t["token"]: Token(
                token=t["token"],
                name=t["name"],
                business_ids=tuple(t["business_ids"]),
                expired=bool(t.get("expired", False)),
                can_manage=bool(t.get("can_manage", True)),
                expires_at=t.get("expires_at", ""),
            )
            for t in meta["tokens"]
        }
        relations = tuple(
            Relation(r["business_id"], r["ad_account_id"], tuple(r["permitted_tasks"]), r["access_status"], seq)
            for seq, r in enumerate(meta["client_relations"], start=1)
        )
        return cls(
            seed=data.get("seed", 0),
            now=data["now"],
            app_secret=meta["app_secret"],
            workspaces=workspaces,
            api_keys=api_keys,
            connections=connections,
            businesses=businesses,
            ad_accounts=ad_accounts,
            tokens=tokens,
            relations=relations,
        )
