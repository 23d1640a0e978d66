"""HAR 1.2 files as browsers (Chromium and Firefox devtools, Playwright) and mitmproxy write them, read into the kit's
`Exchange`s, and the contract's routes that tell an API entry from the rest of the page's traffic.

Writers differ: a body may be base64 (`content.encoding: "base64"`), a form body may come as `postData.params`
instead of `text`, optional fields (`postData`, `content.text`, `mimeType`, timings) may be missing, HTTP/2 pseudo
headers (`:authority`) may appear, and `_`-prefixed custom fields are anywhere. Compressed bodies are already
decoded by every writer, so `Content-Encoding` says nothing about `content.text` and is dropped.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from klayrai_conformance.exchange import Exchange
from mockserver.contract.operations import Operations, api_of
from mockserver.contract.spec import Contract

MAX_HAR_BYTES = 256 * 1024 * 1024  # a HAR is read whole: a bigger file is refused, not swapped in
MAX_ENTRIES = 100_000


class HarError(Exception):
    """The file is not a HAR the kit can read: a usage error, never a finding about the target."""


@dataclass(frozen=True)
class HarEntry:
    """One API entry of a HAR: its place in the file, its exchange, and the operation it calls (None: a preflight)."""

    index: int
    exchange: Exchange
    api: str
    operation_id: str | None

    @property
    def is_preflight(self) -> bool:
        return self.exchange.method == "OPTIONS"

    def label(self) -> str:
        """`#3 GET https://...` with every credential masked."""
        return self.exchange.masker()(f"#{self.index} {self.exchange.method} {self.exchange.url}")


@dataclass
class HarFile:
    entries: list[HarEntry]
    ignored: int  # entries outside both APIs' paths (the page, its scripts, other hosts' calls)


def route(table: Operations, method: str, path: str) -> tuple[str, str | None] | None:
    """`(api, operationId)` of an API request, `(api, None)` for a preflight on an API path, None for the rest: the
    contract's one compiled table decides (`mockserver.contract.operations`), as it does for the mock and the proxy."""
    routed = table.route(method, path)
    if routed.operation is None and not routed.allowed:
        return None
    api = "meta" if api_of(path) == "graph" else "klayrai"
    if method == "OPTIONS":
        return api, None
    return None if routed.operation is None else (api, routed.operation.operation_id)


def headers_of(items: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    for item in [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []:
        name, value = str(item.get("name", "")).lower(), str(item.get("value", ""))
        if name and not name.startswith(":") and name != "content-encoding":
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def content_of(content: Any) -> bytes:
    """A response's `content` (or a `postData`) as bytes: `text` base64-decoded when `encoding` says so; none when
    it is missing."""
    if not isinstance(content, dict) or not isinstance(content.get("text"), str):
        return b""
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(content["text"], validate=False)
        except (binascii.Error, ValueError) as error:
            raise HarError(f"a body is not valid base64: {error}") from None
    return content["text"].encode("utf-8", "surrogatepass")


def post_data_of(post: Any) -> bytes:
    """A request body: `postData.text` when given, else `postData.params` form-encoded (Firefox, mitmproxy)."""
    if not isinstance(post, dict):
        return b""
    if isinstance(post.get("text"), str):
        return content_of(post)
    params = [p for p in post.get("params") or [] if isinstance(p, dict)]
    return urlencode([(str(p.get("name", "")), str(p.get("value", ""))) for p in params]).encode()


def exchange_of(raw: dict[str, Any]) -> Exchange:
    request, response = raw.get("request"), raw.get("response")
    response = response if isinstance(response, dict) else {}
    if (
        not isinstance(request, dict)
        or not isinstance(request.get("url"), str)
        or not isinstance(request.get("method"), str)
    ):
        raise HarError("an entry has no request.method or request.url")
    request_headers = headers_of(request.get("headers"))
    post = request.get("postData")
    if isinstance(post, dict) and post.get("mimeType") and "content-type" not in request_headers:
        request_headers["content-type"] = str(post["mimeType"])
    status = response.get("status")
    return Exchange(
        method=request["method"].upper(),
        url=request["url"],
        request_headers=request_headers,
        request_body=post_data_of(post),
        status=status if isinstance(status, int) else 0,
        headers=headers_of(response.get("headers")),
        body=content_of(response.get("content")),
        elapsed=(raw.get("time") or 0) / 1000 if isinstance(raw.get("time"), int | float) else 0.0,
    )


def read_har(path: Path, contract: Contract, apis: tuple[str, ...]) -> HarFile:
    """The entries of `apis` in file order; the others (and entries the browser never got an answer to) counted."""
    try:
        if path.stat().st_size > MAX_HAR_BYTES:
            raise HarError(f"{path} is over {MAX_HAR_BYTES // 1024 // 1024} MiB")
        document = json.loads(path.read_bytes())
    except OSError as error:
        raise HarError(f"cannot read {path}: {error.strerror}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise HarError(f"{path} is not JSON: {error}") from None
    raw_entries = document.get("log", {}).get("entries") if isinstance(document, dict) else None
    if not isinstance(raw_entries, list):
        raise HarError(f"{path} is not a HAR: no log.entries list")
    if len(raw_entries) > MAX_ENTRIES:
        raise HarError(f"{path} has {len(raw_entries)} entries, over the {MAX_ENTRIES} the kit reads")
    table, entries, ignored = Operations.compile(contract), [], 0
    for index, raw in enumerate(raw_entries, start=1):
        if not isinstance(raw, dict):
            raise HarError(f"entry #{index} is not an object")
        exchange = exchange_of(raw)
        where = route(table, exchange.method, exchange.path)
        if where is None or where[0] not in apis or exchange.status == 0:
            ignored += 1
            continue
        entries.append(HarEntry(index, exchange, *where))
    return HarFile(entries, ignored)
