"""KlayrAI rules as pure functions of one exchange (openapi.yaml, `x-invariants` of `listAccounts`).

Each `RULES` entry maps an invariant id to a function returning the problems it sees in one exchange: [] when the
rule holds, or when the exchange says nothing about it (another status, a query the rule cannot interpret). A body
of the wrong shape is left to schemathesis' schema check, so that one bug is reported under one rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from klayrai_conformance.exchange import Exchange
from klayrai_conformance.klayrai_vocabulary import vocabulary

Json = dict[str, Any]
ACT_RE = re.compile(r"act_[0-9]+")
DIGITS_RE = re.compile(r"[0-9]+")
EPOCH_RANGE = (1_000_000_000, 100_000_000_000)  # 2001 .. year 5138: seconds, not milliseconds
ERROR_STATUS = {  # openapi.yaml's KlayraiErrorCode, each with its status
    "invalid_request": 400,
    "authentication_error": 401,
    "plan_insufficient": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "rate_limit_error": 429,
    "api_error": 500,
}
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@dataclass(frozen=True)
class PageQuery:
    page: int
    page_size: int
    status: str | None


def _bounded(text: str | None, default: int, high: int) -> int | None:
    if text is None:
        return default
    return int(text) if DIGITS_RE.fullmatch(text) and 1 <= int(text) <= high else None


def page_query(exchange: Exchange) -> PageQuery | None:
    """The page a request asked for; None unless its query is a valid, unambiguous listAccounts query."""
    words = vocabulary()
    names = [name for name, _ in exchange.query]
    if len(names) != len(set(names)) or set(names) - {"status", "page", "page_size"}:
        return None
    values = dict(exchange.query)
    status = values.get("status")
    page = _bounded(values.get("page"), words.page_default, words.page_max)
    size = _bounded(values.get("page_size"), words.size_default, words.size_max)
    if (status is not None and status not in words.statuses) or page is None or size is None:
        return None
    return PageQuery(page, size, status)


def page_of(exchange: Exchange) -> tuple[list[Json], Json] | None:
    """`(data, pagination)` of a 200 page, or None when the body does not have that shape."""
    body = exchange.json_or_none() if exchange.status == 200 else None
    if not isinstance(body, dict):
        return None
    data, pagination = body.get("data"), body.get("pagination")
    if not isinstance(data, list) or not isinstance(pagination, dict):
        return None
    if not all(isinstance(pagination.get(k), int) for k in ("total", "page", "page_size")):
        return None
    return [a for a in data if isinstance(a, dict)], pagination


# ---- one account


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        return None


def _ints(account: Json, *names: str) -> list[int] | None:
    values = [account.get(name) for name in names]
    ok = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    return values if ok else None  # type: ignore[return-value]


def id_patterns(account: Json) -> str | None:
    bad = [f for f in ("id", "metaAccountId") if not (isinstance(account.get(f), str) and ACT_RE.fullmatch(account[f]))]
    return f"{', '.join(f'{f}={account.get(f)!r}' for f in bad)} does not match ^act_[0-9]+$" if bad else None


def active_le_total(account: Json) -> str | None:
    counts = _ints(account, "activeCampaignCount", "campaignCount")
    if counts and counts[0] > counts[1]:
        return f"activeCampaignCount {counts[0]} > campaignCount {counts[1]}"
    return None


def closed_has_no_active(account: Json) -> str | None:
    counts = _ints(account, "activeCampaignCount")
    if account.get("status") == "closed" and counts and counts[0] != 0:
        return f"status closed with activeCampaignCount {counts[0]}"
    return None


def synced_after_connected(account: Json) -> str | None:
    synced, connected = _timestamp(account.get("lastSyncedAt")), _timestamp(account.get("connectedAt"))
    if synced and connected and synced < connected:
        return f"lastSyncedAt {account['lastSyncedAt']} is before connectedAt {account['connectedAt']}"
    return None


def spend_two_decimals(account: Json) -> str | None:
    spend = account.get("totalSpendLast30d")
    if not isinstance(spend, int | float) or isinstance(spend, bool):
        return None
    exponent = Decimal(repr(spend)).normalize().as_tuple().exponent
    if spend < 0 or (isinstance(exponent, int) and exponent < -2):
        return f"totalSpendLast30d {spend!r} is negative or has more than 2 decimals"
    return None


def timezone_iana(account: Json) -> str | None:
    zone = account.get("timezone")
    if isinstance(zone, str) and zone not in _zones():
        return f"timezone {zone!r} is not in the IANA time zone database"
    return None


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


ACCOUNT_RULES: dict[str, Callable[[Json], str | None]] = {
    "klayrai.account.id_patterns": id_patterns,
    "klayrai.account.active_le_total": active_le_total,
    "klayrai.account.closed_has_no_active": closed_has_no_active,
    "klayrai.account.synced_after_connected": synced_after_connected,
    "klayrai.account.spend_two_decimals": spend_two_decimals,
    "klayrai.account.timezone_iana": timezone_iana,
}


def account_problems(rule: str, accounts: list[Json]) -> list[str]:
    check = ACCOUNT_RULES[rule]
    return [f"{account.get('id')!r}: {problem}" for account in accounts if (problem := check(account))]


# ---- one page


def has_more(exchange: Exchange) -> list[str]:
    page = page_of(exchange)
    if page is None:
        return []
    p = page[1]
    expected = p["page"] * p["page_size"] < p["total"]
    if p.get("hasMore") is not expected:
        return [f"hasMore is {p.get('hasMore')!r} for page {p['page']} x {p['page_size']} of {p['total']}"]
    return []


def echo(exchange: Exchange) -> list[str]:
    page, query = page_of(exchange), page_query(exchange)
    if page is None or query is None:
        return []
    applied = (page[1]["page"], page[1]["page_size"])
    if applied != (query.page, query.page_size):
        return [
            f"pagination echoes page {applied[0]}, page_size {applied[1]}; applied: {query.page}, {query.page_size}"
        ]
    return []


def page_length(exchange: Exchange) -> list[str]:
    page = page_of(exchange)
    if page is None:
        return []
    data, p = page
    expected = min(p["page_size"], max(0, p["total"] - (p["page"] - 1) * p["page_size"]))
    if len(data) != expected:
        return [f"{len(data)} accounts on page {p['page']} x {p['page_size']} of {p['total']}; expected {expected}"]
    return []


def status_filter(exchange: Exchange) -> list[str]:
    page, query = page_of(exchange), page_query(exchange)
    if page is None or query is None or query.status is None:
        return []
    wrong = [a.get("id") for a in page[0] if a.get("connectionStatus") != query.status]
    return [f"status={query.status} returned accounts with another connectionStatus: {wrong[:5]}"] if wrong else []


def request_id(exchange: Exchange) -> list[str]:
    if exchange.status < 400:
        return []
    header = exchange.header("x-request-id")
    body = exchange.json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        content_type = exchange.header("content-type")
        return [f"HTTP {exchange.status} ({content_type}) is not the KlayrAI error envelope {{'error': {{...}}}}"]
    if header is None or error.get("request_id") != header:
        return [f"error.request_id {error.get('request_id')!r} != x-request-id header {header!r}"]
    return []


def error_code_status(exchange: Exchange) -> list[str]:
    if exchange.status < 400:
        return []
    body = exchange.json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if code is None:
        return []  # not the envelope at all: klayrai.envelope.request_id reports it
    if ERROR_STATUS.get(code) != exchange.status:
        return [f"error code {code!r} came with HTTP {exchange.status}; documented: {ERROR_STATUS}"]
    return []


def version_echo(exchange: Exchange) -> list[str]:
    words = vocabulary()
    requested = exchange.request_headers.get("klayrai-version")
    expected = requested if requested in words.versions else words.latest
    answered = exchange.header("klayrai-version")
    if answered != expected:
        return [f"klayrai-version header is {answered!r} for a request with {requested!r}; expected {expected!r}"]
    return []


def rate_limit_headers(exchange: Exchange) -> list[str]:
    values = [exchange.header(name) for name in RATE_HEADERS]
    if not all(v is not None and DIGITS_RE.fullmatch(v.strip()) for v in values):
        return [f"X-RateLimit-Limit/Remaining/Reset must be non-negative integers; got {values}"]
    limit, remaining, reset = (int(v) for v in values)  # type: ignore[union-attr]
    problems = []
    if remaining > limit:
        problems.append(f"X-RateLimit-Remaining {remaining} > X-RateLimit-Limit {limit}")
    if not EPOCH_RANGE[0] <= reset < EPOCH_RANGE[1]:
        problems.append(f"X-RateLimit-Reset {reset} is not epoch seconds")
    retry_after = exchange.header("retry-after")
    if exchange.status == 429 and not (retry_after and DIGITS_RE.fullmatch(retry_after.strip())):
        problems.append(f"a 429 without a Retry-After in seconds (got {retry_after!r})")
    return problems


def accounts_rule(rule: str) -> Callable[[Exchange], list[str]]:
    def check(exchange: Exchange) -> list[str]:
        page = page_of(exchange)
        return account_problems(rule, page[0]) if page else []

    return check


RULES: dict[str, Callable[[Exchange], list[str]]] = {
    **{rule: accounts_rule(rule) for rule in ACCOUNT_RULES},
    "klayrai.pagination.has_more": has_more,
    "klayrai.pagination.echo": echo,
    "klayrai.pagination.page_length": page_length,
    "klayrai.filter.status": status_filter,
    "klayrai.envelope.request_id": request_id,
    "klayrai.envelope.code_status": error_code_status,
    "klayrai.version.echo": version_echo,
    "klayrai.rate_limit.headers": rate_limit_headers,
}
