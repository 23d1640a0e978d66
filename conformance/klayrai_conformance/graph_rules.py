"""Graph rules as pure functions of one exchange (openapi.yaml, `x-invariants` of the client_ad_accounts edge).

As in `klayrai_rules`, each `RULES` entry returns the problems it sees in one exchange, [] when the rule holds or
does not apply; a body of the wrong shape is left to schemathesis' schema check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from klayrai_conformance.exchange import Exchange
from klayrai_conformance.header_text import carries
from mockserver.contract.spec import default_contract

Json = dict[str, Any]
BEARER_RE = re.compile(r"(?i)(?:bearer|oauth)\s+(\S+)")
CURSOR_NAMES = ("after", "before")
VERSION_RE = re.compile(r"v[0-9]+\.[0-9]+")


@dataclass(frozen=True)
class GraphVocabulary:
    default_fields: tuple[str, ...]
    fields: frozenset[str]
    tasks: frozenset[str]
    default_limit: int
    max_limit: int
    summaries: tuple[str, ...]


@cache
def vocabulary() -> GraphVocabulary:
    contract = default_contract()
    params = {p["name"]: p["schema"] for p in contract.parameters("listClientAdAccounts")}
    definition = contract.operations["listClientAdAccounts"].definition
    return GraphVocabulary(
        default_fields=tuple(definition["x-default-fields"]),
        fields=frozenset(params["fields"]["items"]["enum"]),
        tasks=frozenset(contract.deref({"$ref": "#/components/schemas/PermittedTask"})["enum"]),
        default_limit=params["limit"]["default"],
        max_limit=params["limit"]["maximum"],
        summaries=tuple(params["summary"]["enum"]),
    )


@dataclass(frozen=True)
class ListQuery:
    fields: tuple[str, ...] | None  # None: the default fields
    limit: int
    summary: bool
    search_query: str | None
    cursor: str | None  # after or before: not the first page of a walk


def list_query(exchange: Exchange) -> ListQuery | None:
    """What a GET asked for; None unless its query is valid and unambiguous (unknown parameters are ignored)."""
    words = vocabulary()
    known = {"fields", "limit", "summary", "search_query", *CURSOR_NAMES}
    names = [name for name, _ in exchange.query if name in known]
    if len(names) != len(set(names)):
        return None
    values = dict(exchange.query)
    fields = tuple(dict.fromkeys(f.strip() for f in values.get("fields", "").split(",") if f.strip()))
    limit_text = values.get("limit", str(words.default_limit))
    summary = values.get("summary", "false")
    if set(fields) - words.fields or summary not in words.summaries:
        return None
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= words.max_limit:
        return None
    return ListQuery(
        fields=fields or None,
        limit=int(limit_text),
        summary=summary in ("true", "total_count"),
        search_query=values.get("search_query"),
        cursor=values.get("after") or values.get("before"),
    )


def listing(exchange: Exchange) -> tuple[list[Json], Json] | None:
    """`(nodes, body)` of a 200 list, or None when the body does not have that shape."""
    body = exchange.json_or_none() if exchange.status == 200 else None
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    return [node for node in body["data"] if isinstance(node, dict)], body


def error_of(exchange: Exchange) -> Json | None:
    body = exchange.json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None


def token_in(exchange: Exchange) -> str | None:
    """The access token a request carries (query, then `Authorization`, then body), as Graph looks for it."""
    in_query = next((v for k, v in reversed(exchange.query) if k == "access_token"), None)
    header = BEARER_RE.fullmatch(exchange.request_headers.get("authorization", "").strip())
    in_body = exchange.body_params().get("access_token") if exchange.method == "POST" else None
    if isinstance(in_body, list):
        in_body = in_body[-1] if in_body else None
    token = in_query or (header.group(1) if header else None) or in_body
    return token if isinstance(token, str) and token else None


# ---- GET: nodes and paging


def default_fields(exchange: Exchange) -> list[str]:
    query, page = list_query(exchange), listing(exchange)
    if query is None or page is None or query.fields is not None:
        return []
    expected = set(vocabulary().default_fields)
    wrong = [sorted(node) for node in page[0] if set(node) != expected]
    return [f"without fields, nodes have {wrong[0]}; expected exactly {sorted(expected)}"] if wrong else []


def fields_projection(exchange: Exchange) -> list[str]:
    query, page = list_query(exchange), listing(exchange)
    if query is None or page is None or query.fields is None:
        return []
    expected = {"id", *query.fields}
    wrong = [sorted(node) for node in page[0] if set(node) != expected]
    return [f"fields={','.join(query.fields)} gave nodes with {wrong[0]}; expected {sorted(expected)}"] if wrong else []


def account_id_matches_id(exchange: Exchange) -> list[str]:
    page = listing(exchange)
    nodes = page[0] if page else []
    wrong = [n for n in nodes if "account_id" in n and n.get("id") != f"act_{n['account_id']}"]
    return [f"id {wrong[0].get('id')!r} != 'act_' + account_id {wrong[0]['account_id']!r}"] if wrong else []


def limit(exchange: Exchange) -> list[str]:
    query, page = list_query(exchange), listing(exchange)
    if query is None or page is None or len(page[0]) <= query.limit:
        return []
    return [f"{len(page[0])} nodes for limit {query.limit}"]


def paging_presence(exchange: Exchange) -> list[str]:
    page = listing(exchange)
    if page is None:
        return []
    nodes, body = page
    paging = body.get("paging")
    if not nodes:
        return ["paging present although data is empty"] if "paging" in body else []
    cursors = paging.get("cursors") if isinstance(paging, dict) else None
    if not isinstance(cursors, dict):
        return ["data is not empty but paging.cursors is missing"]
    missing = [name for name in CURSOR_NAMES if not (isinstance(cursors.get(name), str) and cursors[name])]
    return [f"paging.cursors.{missing[0]} is missing or empty"] if missing else []


def _without_cursors(query: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The query but its cursors; a nameless pair (`?=x`) names no parameter, so a link need not repeat it."""
    return sorted((k, v) for k, v in query if k and k not in CURSOR_NAMES)


def paging_links(exchange: Exchange) -> list[str]:
    page = listing(exchange)
    paging = page[1].get("paging") if page else None
    if not isinstance(paging, dict):
        return []
    cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
    problems = []
    for link, cursor in (("next", "after"), ("previous", "before")):
        url = paging.get(link)
        if url is None:
            continue
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or not (parts.scheme and parts.netloc):
            problems.append(f"paging.{link} is not an absolute URL: {url!r}")
            continue
        if f"{parts.scheme}://{parts.netloc}" != exchange.origin or parts.path != exchange.path:
            problems.append(f"paging.{link} points at {parts.scheme}://{parts.netloc}{parts.path}, not {exchange.url}")
        query = parse_qsl(parts.query, keep_blank_values=True)
        if _without_cursors(query) != _without_cursors(exchange.query):
            problems.append(f"paging.{link} does not repeat the request's query: {url}")
        if [v for k, v in query if k in CURSOR_NAMES] != [cursors.get(cursor)] or cursor not in dict(query):
            problems.append(f"paging.{link} does not carry {cursor}=<paging.cursors.{cursor}>: {url}")
    return problems


def summary_total(exchange: Exchange) -> list[str]:
    query, page = list_query(exchange), listing(exchange)
    if query is None or page is None:
        return []
    nodes, body = page
    if not query.summary:
        return ["summary present although not asked for"] if "summary" in body else []
    summary = body.get("summary")
    total = summary.get("total_count") if isinstance(summary, dict) else None
    if not isinstance(total, int):
        return [f"summary.total_count missing for summary asked for (summary: {summary!r})"]
    paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
    if total < len(nodes) or ("next" in paging and total <= len(nodes)):
        return [f"summary.total_count {total} cannot count a selection with {len(nodes)} nodes on this page and more"]
    if query.cursor is None and "next" not in paging and total != len(nodes):
        return [f"summary.total_count {total} but the whole selection is this one page of {len(nodes)}"]
    return []


def search_query(exchange: Exchange) -> list[str]:
    query, page = list_query(exchange), listing(exchange)
    if query is None or page is None or not query.search_query:
        return []
    needle = query.search_query.casefold()
    wrong = [n["name"] for n in page[0] if isinstance(n.get("name"), str) and needle not in n["name"].casefold()]
    return [f"search_query={query.search_query!r} returned {wrong[:3]}"] if wrong else []


# ---- errors and auth


def expected_status(code: Any) -> int:
    return {200: 403, 1: 500}.get(code, 400) if isinstance(code, int) else 400


def www_authenticate_word(code: Any, status: int) -> str:
    word = {190: "invalid_token", 200: "insufficient_scope"}.get(code) if isinstance(code, int) else None
    return word or ("unknown_error" if status >= 500 else "invalid_request")


def www_authenticate_problem(header: str | None, code: Any, status: int, message: str) -> str | None:
    """What is wrong with `WWW-Authenticate` for this error, or None: scheme, realm and word exactly, the message
    (`"` replaced by `'`) as faithfully as a header can carry it (`header_text`)."""
    word = www_authenticate_word(code, status)
    expected = f'OAuth "Facebook Platform" "{word}" "{message.replace(chr(34), chr(39))}"'
    if header is None:
        return f"WWW-Authenticate is missing; expected {expected!r}"
    prefix = f'OAuth "Facebook Platform" "{word}" "'
    if not header.startswith(prefix) or not header.endswith('"') or len(header) <= len(prefix):
        return f"WWW-Authenticate is {header!r}; expected {expected!r}"
    if not carries(header[len(prefix) : -1], message.replace('"', "'")):
        return f"WWW-Authenticate carries another message: {header!r}; expected {expected!r}"
    return None


def error_envelope(exchange: Exchange) -> list[str]:
    if exchange.status < 400:
        return []
    error = error_of(exchange)
    if error is None:
        content_type = exchange.header("content-type")
        return [f"HTTP {exchange.status} ({content_type}) is not the Graph error envelope {{'error': {{...}}}}"]
    missing = [k for k in ("message", "type", "code", "fbtrace_id") if k not in error]
    if missing:
        return [f"error lacks {missing}"]
    problems = []
    code, message = error["code"], str(error["message"])
    if exchange.status != expected_status(code):
        problems.append(f"code {code} came with HTTP {exchange.status}; expected {expected_status(code)}")
    problem = www_authenticate_problem(exchange.header("www-authenticate"), code, exchange.status, message)
    return [*problems, problem] if problem else problems


def version_echo(exchange: Exchange) -> list[str]:
    requested = exchange.path.lstrip("/").split("/", 1)[0]
    answered = exchange.header("facebook-api-version")
    if VERSION_RE.fullmatch(requested) and answered != requested:
        return [f"facebook-api-version is {answered!r} for a request to {requested}"]
    if not VERSION_RE.fullmatch(requested) and exchange.status < 300:
        return [f"HTTP {exchange.status} for the malformed version {requested!r}; expected 400 code 2500"]
    return []


def auth_enforced(exchange: Exchange) -> list[str]:
    if token_in(exchange) is not None:
        return []
    error = error_of(exchange)
    if exchange.status < 400 and error is None:
        return [f"HTTP {exchange.status} without an error for a request without any access token"]
    if error is not None and error.get("code") not in (104, 2500):
        return [f"a request without any access token got code {error.get('code')}; expected 104"]
    return []


LIST_RULES: dict[str, Callable[[Exchange], list[str]]] = {
    "graph.default_fields": default_fields,
    "graph.fields_projection": fields_projection,
    "graph.account_id_matches_id": account_id_matches_id,
    "graph.limit": limit,
    "graph.paging_presence": paging_presence,
    "graph.paging_links": paging_links,
    "graph.summary_total": summary_total,
    "graph.search_query": search_query,
}
ANY_RULES: dict[str, Callable[[Exchange], list[str]]] = {
    "graph.error_envelope": error_envelope,
    "graph.auth_enforced": auth_enforced,
    "graph.version_echo": version_echo,
}
