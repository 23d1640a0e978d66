"""The journal as HAR 1.2, as browsers write it: `GET /__mock/journal.har` on the mock and on the validating proxy,
and the file `mockserver proxy --record-har` keeps. One rendering for both, from the journal's entries.

Beyond HAR's own fields, each entry carries `_operationId`, `_shapedBy` (what decided the answer), `_violations` (the
proxy's broken rules) and `_truncated` (the bodies the journal's cap cut; `content.size` and `bodySize` stay the sizes
sent). Secrets are masked already: the journal keeps nothing else.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockserver.controls.admin_guard import problem
from mockserver.state.journal import Journal
from mockserver.version import DISTRIBUTION

Json = dict[str, Any]
MAX_LIMIT = 10_000


class Filters(NamedTuple):
    """The journal's filters, shared by `/__mock/journal` and `/__mock/journal.har`."""

    operation: str | None
    status: int | None
    limit: int
    violations: bool
    since: float | None


def filters(params: Mapping[str, str], default_limit: int) -> Filters:
    """`operation`, `status`, `limit`, `violations=true` and `since` (epoch seconds or ISO 8601); ValueError names
    the bad one."""
    try:
        status = int(params["status"]) if "status" in params else None
        limit = int(params.get("limit", str(default_limit)))
    except ValueError:
        raise ValueError("status and limit must be integers") from None
    since = parse_since(params["since"]) if "since" in params else None
    violations = params.get("violations", "false").lower() == "true"
    return Filters(params.get("operation"), status, max(1, min(limit, MAX_LIMIT)), violations, since)


def parse_since(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"since must be epoch seconds or an ISO 8601 time, got {text[:40]!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def creator() -> Json:
    try:
        version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = "0"
    return {"name": "mockserver", "version": version}


def har_log(entries: Iterable[Json], comment: str = "") -> Json:
    """`{"log": ...}` of journal entries given oldest first."""
    log: Json = {"version": "1.2", "creator": creator(), "pages": [], "entries": [har_entry(e) for e in entries]}
    if comment:
        log["comment"] = comment
    return {"log": log}


def har_entry(entry: Mapping[str, Any]) -> Json:
    """One journal entry (as `Entry._asdict()` or its JSON) as a HAR entry."""
    timings = entry.get("timings") or {"wait": entry["duration_ms"], "receive": 0.0}
    wait, receive = float(timings["wait"]), float(timings["receive"])
    started = entry["time"] - (wait + receive) / 1000
    sizes = entry.get("body_sizes") or (0, 0)
    truncated = list(entry.get("truncated") or ())
    url = entry.get("url") or entry["path"] + (f"?{entry['query']}" if entry["query"] else "")
    return {
        "startedDateTime": iso_time(started),
        "time": round(wait + receive, 3),
        "request": har_request(entry, url, sizes[0]),
        "response": har_response(entry, sizes[1]),
        "cache": {},
        "timings": {"send": 0, "wait": round(wait, 3), "receive": round(receive, 3)},
        "_operationId": entry["operation_id"],
        "_shapedBy": entry.get("shaped_by"),
        "_violations": list(entry.get("violations") or ()),
        "_truncated": truncated,
    }


def iso_time(epoch: float) -> str:
    """`2026-12-04T13:08:27.123Z`, as browsers write `startedDateTime`."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def har_request(entry: Mapping[str, Any], url: str, size: int) -> Json:
    headers = pairs(entry.get("request_headers"))
    request: Json = {
        "method": entry["method"],
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers,
        "queryString": [{"name": n, "value": v} for n, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)],
        "headersSize": -1,
        "bodySize": size,
    }
    if size or entry.get("request_body"):
        request["postData"] = {"mimeType": header(headers, "content-type"), "text": entry.get("request_body", "")}
    return request


def har_response(entry: Mapping[str, Any], size: int) -> Json:
    headers = pairs(entry.get("response_headers"))
    status = entry["status"]
    content: Json = {"size": size, "mimeType": header(headers, "content-type"), "text": entry.get("response_body", "")}
    if "response" in (entry.get("truncated") or ()):
        content["comment"] = f"text cut to the journal's body cap; {size} bytes were sent"
    return {
        "status": status,
        "statusText": status_text(status),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers,
        "content": content,
        "redirectURL": header(headers, "location"),
        "headersSize": -1,
        "bodySize": size,
    }


def pairs(headers: Iterable[Iterable[str]] | None) -> list[Json]:
    return [{"name": name, "value": value} for name, value in headers or ()]


def header(headers: list[Json], name: str) -> str:
    return next((h["value"] for h in headers if h["name"].lower() == name), "")


def status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def har_endpoint(journal: Journal) -> Callable[[Request], Awaitable[Response]]:
    """`GET /__mock/journal.har` with the journal's filters; every kept entry (up to 10,000) unless `limit` says."""

    async def endpoint(request: Request) -> Response:
        try:
            chosen = filters(request.query_params, MAX_LIMIT)
        except ValueError as exc:
            return problem(400, str(exc))
        _, dropped, entries = await journal.read(
            chosen.operation, chosen.status, chosen.limit, chosen.violations, chosen.since
        )
        comment = f"{dropped} older exchanges were dropped by the journal's bounds" if dropped else ""
        headers = {"Content-Disposition": 'attachment; filename="journal.har"'}
        return JSONResponse(har_log(reversed(entries), comment), headers=headers)

    return endpoint
