"""The hand-written records every world has, whatever its seed: the seed page's two doc accounts on both sides
(Acme Corporation's ad accounts, client accounts of the agency), the ad accounts that give each POST outcome with
their owners, and the Graph tokens. Only the agencies' names and home market come from the seed."""

from __future__ import annotations

from typing import Any

from mockserver.world.clock import DAY, NOW, NOW_TS, utc, zone_offset
from mockserver.world.credentials import (
    ACME_BUSINESS_ID,
    AGENCY_BUSINESS_ID,
    BATCH_POST_ACCOUNT,
    DEMO_WORKSPACE,
    DOC_AD_ACCOUNTS,
    GRAPH_TOKENS,
    OTHER_AGENCY_BUSINESS_ID,
    POST_OUTCOMES,
)

Json = dict[str, Any]

ACME_BUSINESS: Json = {"id": ACME_BUSINESS_ID, "name": "Acme Corporation", "requires_approval": False}
POST_OWNER_BUSINESSES: tuple[Json, ...] = (
    {"id": "3000000002", "name": "Contoso Retail Ltd", "requires_approval": False},
    {"id": "3000000003", "name": "Globex Outdoor Inc.", "requires_approval": False},
    {"id": "3000000004", "name": "Initech Software GmbH", "requires_approval": True},
)
# Every id above and in `credentials`: generated ids must not take them.
BUSINESS_IDS = frozenset(
    {ACME_BUSINESS_ID, AGENCY_BUSINESS_ID, OTHER_AGENCY_BUSINESS_ID, *(b["id"] for b in POST_OWNER_BUSINESSES)}
)
AD_ACCOUNT_IDS = frozenset({*DOC_AD_ACCOUNTS, *POST_OUTCOMES.values(), BATCH_POST_ACCOUNT})


def businesses(agency_name: str, other_agency_name: str) -> list[Json]:
    """Acme, the two agencies and the owners of the POST outcome targets (fresh dicts: the caller owns the world)."""
    return [
        dict(ACME_BUSINESS),
        {"id": AGENCY_BUSINESS_ID, "name": agency_name, "requires_approval": False},
        {"id": OTHER_AGENCY_BUSINESS_ID, "name": other_agency_name, "requires_approval": False},
        *(dict(business) for business in POST_OWNER_BUSINESSES),
    ]


def ad_account(
    account_id: str, name: str, market: tuple[str, str], amounts: tuple[str, str, str], created: str, owner: str
) -> Json:
    """An active ad account, nothing disabled; `market` is (currency, zone), `amounts` (spent, balance, spend cap)."""
    currency, zone = market
    return {
        "id": account_id,
        "name": name,
        "account_status": 1,
        "disable_reason": 0,
        "currency": currency,
        "timezone_name": zone,
        "timezone_offset_hours_utc": zone_offset(zone),
        "amount_spent": amounts[0],
        "balance": amounts[1],
        "spend_cap": amounts[2],
        "created_time": created,
        "owner_business_id": owner,
        "pending_ownership_request": account_id == POST_OUTCOMES["graph_3945"],
    }


def ad_accounts(agency_name: str, agency_market: tuple[str, str]) -> list[Json]:
    """Acme's two doc accounts, then one ad account per POST outcome but 3989 (which is Acme's main account), then
    the batch probe's second CONFIRMED target."""
    acme_main, acme_eu = DOC_AD_ACCOUNTS
    zero = ("0", "0", "0")
    return [
        ad_account(acme_main, "Acme Corp - Main", ("EUR", "Europe/Amsterdam"), ("4873120", "0", "0"),
                   "2021-04-12T09:15:00+0000", ACME_BUSINESS_ID),
        ad_account(acme_eu, "Acme Corp - EU Market", ("EUR", "Europe/Berlin"), ("2298450", "0", "0"),
                   "2022-09-05T13:42:07+0000", ACME_BUSINESS_ID),
        ad_account(POST_OUTCOMES["graph_3946"], f"{agency_name} - Internal Testing", agency_market, zero,
                   "2024-01-08T10:00:00+0000", AGENCY_BUSINESS_ID),
        ad_account(POST_OUTCOMES["graph_3945"], "Contoso Retail - Main", ("GBP", "Europe/London"),
                   ("1250075", "0", "0"), "2020-06-01T08:30:00+0000", "3000000002"),
        ad_account(POST_OUTCOMES["confirmed"], "Globex Outdoor - Main", ("USD", "America/Denver"),
                   ("9870000", "0", "25000000"), "2019-11-20T16:45:00+0000", "3000000003"),
        ad_account(POST_OUTCOMES["pending"], "Initech - Brand Awareness", ("EUR", "Europe/Berlin"),
                   ("310550", "0", "0"), "2023-03-14T11:20:00+0000", "3000000004"),
        ad_account(BATCH_POST_ACCOUNT, "Globex Outdoor - Trail Season", ("USD", "America/Denver"),
                   ("1432000", "0", "0"), "2021-02-09T14:05:00+0000", "3000000003"),
    ]  # fmt: skip


def doc_account(account_id: str, meta_id: str, campaigns: int, active: int, spend: float, connected: str) -> Json:
    return {
        "workspace_id": DEMO_WORKSPACE,
        "id": account_id,
        "metaAccountId": meta_id,
        "connectionStatus": "active",
        "permissions": ["read_insights", "read_campaigns", "read_ads"],
        "lastSyncedAt": NOW,
        "campaignCount": campaigns,
        "activeCampaignCount": active,
        "totalSpendLast30d": spend,
        "connectedAt": connected,
        "connectedBy": "user_abc123",
    }


def doc_accounts() -> list[Json]:
    """The seed page's two KlayrAI accounts, field for field."""
    return [
        doc_account("act_001", DOC_AD_ACCOUNTS[0], 12, 5, 14200.0, "2026-02-10T08:00:00Z"),
        doc_account("act_002", DOC_AD_ACCOUNTS[1], 8, 3, 8750.0, "2026-02-15T09:30:00Z"),
    ]


def token(name: str, key: str, business_id: str, expired: bool, can_manage: bool, expires_at: int) -> Json:
    return {
        "token": GRAPH_TOKENS[key],
        "name": name,
        "business_ids": [business_id],
        "expired": expired,
        "can_manage": can_manage,
        "expires_at": utc(expires_at),
    }


def tokens() -> list[Json]:
    """The agency's valid, expired and permission-less tokens, and the other agency's."""
    later, earlier = NOW_TS + 60 * DAY, NOW_TS - 9 * DAY
    return [
        token("agency", "agency", AGENCY_BUSINESS_ID, False, True, later),
        token("agency-expired", "expired", AGENCY_BUSINESS_ID, True, True, earlier),
        token("agency-no-permission", "no_permission", AGENCY_BUSINESS_ID, False, False, later),
        token("other-agency", "other_agency", OTHER_AGENCY_BUSINESS_ID, False, True, later),
    ]
