"""Rules that compare the exchanges of one recording: a page reached from another continues it, and the same read
asked twice, with no write between, gets the same answer (volatile values aside)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from klayrai_conformance.compare import differences
from klayrai_conformance.har import HarEntry

CREDENTIAL_PARAMS = ("access_token", "appsecret_proof")
DESCRIPTIONS = {
    "har.paging_continues": (
        "A recorded page reached from another (Graph: its `next` link; KlayrAI: the same query's next page) is a "
        "200 page whose items are not on the page before, and the total does not change between them."
    ),
    "har.same_answer": ("The same read sent twice with no write between gets the same answer, volatile values aside."),
}
Problem = tuple[HarEntry, str]


def query_key(url: str, drop: tuple[str, ...] = CREDENTIAL_PARAMS) -> tuple[str, frozenset[tuple[str, str]]]:
    """A request's path and query as a set, credentials left out (masked in one place, whole in another)."""
    parts = urlsplit(url)
    return parts.path, frozenset((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in drop)


def ids_of(entry: HarEntry) -> list[Any] | None:
    body = entry.exchange.json_or_none()
    data = body.get("data") if isinstance(body, dict) else None
    return [item.get("id") for item in data if isinstance(item, dict)] if isinstance(data, list) else None


def total_of(entry: HarEntry) -> Any:
    body = entry.exchange.json_or_none() or {}
    if entry.api == "meta":
        return (body.get("summary") or {}).get("total_count")
    return (body.get("pagination") or {}).get("total")


def successors(entries: list[HarEntry]) -> Iterator[tuple[HarEntry, HarEntry]]:
    """Pairs (page, the page recorded after it that continues it)."""
    pages = [e for e in entries if e.exchange.method == "GET" and e.exchange.status == 200 and ids_of(e) is not None]
    for position, page in enumerate(pages):
        wanted = next_key(page)
        if wanted is None:
            continue
        follower = next((later for later in pages[position + 1 :] if query_key(later.exchange.url) == wanted), None)
        if follower is not None:
            yield page, follower


def next_key(page: HarEntry) -> tuple[str, frozenset[tuple[str, str]]] | None:
    body = page.exchange.json_or_none() or {}
    if page.api == "meta":
        link = (body.get("paging") or {}).get("next")
        return query_key(link) if isinstance(link, str) else None
    pagination = body.get("pagination") or {}
    if not pagination.get("hasMore") or not isinstance(pagination.get("page"), int):
        return None
    path, query = query_key(page.exchange.url, ("page",))
    return path, query | {("page", str(pagination["page"] + 1))}


def paging_continues(entries: list[HarEntry]) -> list[Problem]:
    problems = []
    for page, follower in successors(entries):
        repeated = set(ids_of(page) or []) & set(ids_of(follower) or [])
        if repeated:
            problems.append((follower, f"data: {sorted(map(str, repeated))[:5]} already on #{page.index}"))
        if not ids_of(follower):
            problems.append((follower, f"data: empty, yet #{page.index} said more pages follow"))
        if total_of(page) != total_of(follower):
            where = "summary.total_count" if page.api == "meta" else "pagination.total"
            problems.append((follower, f"{where}: {total_of(follower)}, #{page.index} said {total_of(page)}"))
    return problems


def read_key(entry: HarEntry) -> tuple[Any, ...]:
    headers = entry.exchange.request_headers
    credentials = tuple(headers.get(name) for name in ("x-api-key", "authorization", "klayrai-version"))
    return entry.exchange.method, entry.exchange.url, credentials


def same_answer(entries: list[HarEntry]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[tuple[Any, ...], HarEntry] = {}
    for entry in entries:
        if entry.exchange.method not in ("GET", "HEAD", "OPTIONS"):
            seen.clear()  # a write may change what a read answers
            continue
        first = seen.setdefault(read_key(entry), entry)
        if first is not entry and entry.operation_id and first.exchange.status != 429 != entry.exchange.status:
            found = differences(entry.operation_id, first.exchange, entry.exchange)
            problems += [(entry, f"{difference} (vs #{first.index})") for difference in found]
    return problems


SEQUENCE_RULES: dict[str, Callable[[list[HarEntry]], list[Problem]]] = {
    "har.paging_continues": paging_continues,
    "har.same_answer": same_answer,
}
