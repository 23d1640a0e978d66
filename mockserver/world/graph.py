"""The Meta Graph side of a world: businesses, their ad accounts and the agencies' client relations.

The hand-written records come first (`handwritten`); client businesses are then generated with names that fit
their zone ('Hobbs Coffee Roasters AB'), each with a few ad accounts named after its brand."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from mockserver.world import handwritten
from mockserver.world.clock import DAY, EARLIEST_CREATED, NOW_TS, stamp, zone_offset
from mockserver.world.credentials import AGENCY_BUSINESS_ID, DOC_AD_ACCOUNTS
from mockserver.world.draws import Draws, Weighted
from mockserver.world.vocabulary import (
    ACCOUNTS_PER_BUSINESS,
    ACCOUNTS_PER_BUSINESS_WEIGHTS,
    AD_ACCOUNT_ID_LOWS,
    AGENCY_SUFFIXES,
    BRAND_WORDS,
    CURRENCIES,
    CURRENCY_WEIGHTS,
    CURRENCY_ZONES,
    DEFAULT_TASKS,
    DISABLE_REASONS,
    DUE_CODES,
    FAKER_SUFFIXES,
    INDUSTRIES,
    MONEY,
    PURPOSES,
    TASK_SETS,
    TASK_WEIGHTS,
    ZONE_SUFFIXES,
)

Json = dict[str, Any]
Slot = tuple[str, str, str, str]  # an ad account to be: owner business id, name, currency, zone

CURRENCY_PICK = Weighted(CURRENCIES, CURRENCY_WEIGHTS)
ACCOUNTS_PER_BUSINESS_PICK = Weighted(ACCOUNTS_PER_BUSINESS, ACCOUNTS_PER_BUSINESS_WEIGHTS)
TASKS_PICK = Weighted(TASK_SETS, TASK_WEIGHTS)
PURPOSES_BY_CURRENCY = {currency: tuple(p for p in PURPOSES if p[1] != currency) for currency in CURRENCIES}


def brand(company: str) -> str:
    """'Wilson-Hodges LLC' -> 'Wilson-Hodges': ad accounts are named after the brand, not the legal entity."""
    for suffix in FAKER_SUFFIXES:
        if company.endswith(suffix):
            return company.removesuffix(suffix)
    return company


class GraphSide:
    """Accumulates the Meta records of one world; every random choice goes through `draws`."""

    def __init__(self, draws: Draws) -> None:
        self.draws = draws
        self.used_business_ids = set(handwritten.BUSINESS_IDS)
        self.used_ad_account_ids = set(handwritten.AD_ACCOUNT_IDS)
        self.used_brands: set[str] = set()
        self.businesses: list[Json] = []
        self.ad_accounts: list[Json] = []
        self.relations: list[Json] = []

    def add_handwritten(self, agency_name: str, other_agency_name: str, agency_market: tuple[str, str]) -> None:
        """The records every world has (`handwritten`); Acme's doc accounts are client accounts of the agency."""
        self.businesses += handwritten.businesses(agency_name, other_agency_name)
        self.ad_accounts += handwritten.ad_accounts(agency_name, agency_market)
        self.relate(AGENCY_BUSINESS_ID, DOC_AD_ACCOUNTS, default_tasks=True)

    # -- names and ids

    def market(self) -> tuple[str, str]:
        """A home currency and a zone that fits it."""
        currency = CURRENCY_PICK.pick(self.draws.rand)
        return currency, self.draws.choice(CURRENCY_ZONES[currency])

    def agency_name(self, avoid: str = "") -> str:
        while True:
            name = self.draws.choice(self.draws.last_names) + self.draws.choice(AGENCY_SUFFIXES)
            if name != avoid:
                return name

    def business_id(self) -> str:
        while True:
            candidate = str(1_000_000_000 + int(self.draws.rand() * 9_000_000_000))
            if candidate not in self.used_business_ids:
                self.used_business_ids.add(candidate)
                return candidate

    def ad_account_id(self) -> str:
        """`act_` + 9 to 15 digits (older accounts have short ids, recent ones 15)."""
        rand = self.draws.rand
        while True:
            low = AD_ACCOUNT_ID_LOWS[int(rand() * len(AD_ACCOUNT_ID_LOWS))]
            candidate = f"act_{low + int(rand() * 9 * low)}"
            if candidate not in self.used_ad_account_ids:
                self.used_ad_account_ids.add(candidate)
                return candidate

    def business_name(self, zone: str) -> tuple[str, str]:
        """A legal name fitting the zone ('Hobbs Coffee Roasters AB') and the brand its ad accounts carry."""
        draws, choice = self.draws, self.draws.choice
        pattern = draws.rand()
        if pattern < 0.15 and draws.companies:
            name = draws.companies.pop()  # Faker's own names ('Wilson-Hodges LLC'), each used once
            return name, brand(name)
        if pattern < 0.6:
            name = f"{choice(draws.last_names)} {choice(INDUSTRIES)}"
        elif pattern < 0.75:
            first, second = draws.distinct(draws.last_names, 2)
            name = f"{first} & {second}"
        elif pattern < 0.87:
            name = f"{choice(BRAND_WORDS)} {choice(INDUSTRIES)}"
        else:
            name = f"{choice(draws.first_names)}'s {choice(INDUSTRIES)}"
        return f"{name} {choice(ZONE_SUFFIXES[zone])}", name

    def new_business(self) -> tuple[str, str, str, str]:
        """Add a client business; return its id, brand, home currency and zone."""
        currency, zone = self.market()
        for _ in range(4):  # a few tries for a brand not yet taken; past that a repeat is fine (and rare)
            name, brand_name = self.business_name(zone)
            if brand_name not in self.used_brands:
                break
        self.used_brands.add(brand_name)
        business_id = self.business_id()
        self.businesses.append({"id": business_id, "name": name, "requires_approval": self.draws.rand() < 0.25})
        return business_id, brand_name, currency, zone

    def client_slots(self, count: int) -> list[Slot]:
        """`count` ad accounts to be, grouped by new client businesses."""
        slots: list[Slot] = []
        while len(slots) < count:
            business_id, brand_name, currency, zone = self.new_business()
            k = min(count - len(slots), ACCOUNTS_PER_BUSINESS_PICK.pick(self.draws.rand))
            slots.append((business_id, f"{brand_name} - Main", currency, zone))
            for purpose, market in self.draws.distinct(PURPOSES_BY_CURRENCY[currency], k - 1):
                if market is None:
                    slots.append((business_id, f"{brand_name} - {purpose}", currency, zone))
                else:
                    market_zone = self.draws.choice(CURRENCY_ZONES[market])
                    slots.append((business_id, f"{brand_name} - {purpose}", market, market_zone))
        return slots

    # -- records

    def ad_account(self, slot: Slot, code: int, connected: int, monthly: float, spend_minor: int) -> str:
        """Add the ad account of `slot` with status `code`, created before it was `connected`; its money in minor
        units follows the `monthly` budget (major units) and the last 30 days' spend. Returns its id."""
        owner, name, currency, zone = slot
        rand = self.draws.rand
        scale = MONEY[currency][1]
        created = max(EARLIEST_CREATED, connected - 2 * DAY - int(rand() * 8 * 365 * DAY))
        months = (NOW_TS - created) / (30 * DAY)
        amount_spent = spend_minor + int(monthly * scale * months * (0.1 + 0.7 * rand()))
        if code in DUE_CODES:  # payment trouble: something is due
            balance = 1 + int(monthly * scale * (0.05 + 0.55 * rand()))
        elif rand() < 0.75:
            balance = 0
        else:
            balance = int(spend_minor * 0.4 * rand())
        if rand() < 0.7:
            spend_cap = 0
        else:
            step = 1000 * scale
            spend_cap = max(math.ceil(amount_spent * (1.2 + 1.8 * rand()) / step), 1) * step + step
        reasons = DISABLE_REASONS.get(code)
        account_id = self.ad_account_id()
        self.ad_accounts.append(
            {
                "id": account_id,
                "name": name,
                "account_status": code,
                "disable_reason": reasons[int(rand() * len(reasons))] if reasons else 0,
                "currency": currency,
                "timezone_name": zone,
                "timezone_offset_hours_utc": zone_offset(zone),
                "amount_spent": str(amount_spent),
                "balance": str(balance),
                "spend_cap": str(spend_cap),
                "created_time": stamp(created, "+0000"),
                "owner_business_id": owner,
                "pending_ownership_request": False,
            }
        )
        return account_id

    def relate(self, business_id: str, ad_account_ids: Iterable[str], default_tasks: bool = False) -> None:
        """Make the ad accounts CONFIRMED client accounts of the agency, in the given (Graph) order."""
        for ad_account_id in ad_account_ids:
            tasks = DEFAULT_TASKS if default_tasks else TASKS_PICK.pick(self.draws.rand)
            self.relations.append(
                {
                    "business_id": business_id,
                    "ad_account_id": ad_account_id,
                    "permitted_tasks": list(tasks),
                    "access_status": "CONFIRMED",
                }
            )
