"""Graph paging links on the upstream's host, pointed at the proxy, so a client following `paging.next` (the Node
SDK, a browser) stays on the proxy. Everything else in the body is left as the upstream wrote it."""

from __future__ import annotations

import json

from mockserver.exchange import encode

LINKS = ("next", "previous")


def rewrite_paging(body: bytes, upstream_base: str, proxy_base: str) -> bytes | None:
    """The body with `paging.next`/`previous` under `upstream_base` moved to `proxy_base`; None when none is."""
    if b'"paging"' not in body:
        return None
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    paging = document.get("paging") if isinstance(document, dict) else None
    if not isinstance(paging, dict):
        return None
    prefix = upstream_base.rstrip("/") + "/"
    changed = False
    for name in LINKS:
        link = paging.get(name)
        if isinstance(link, str) and link.startswith(prefix):
            paging[name] = proxy_base.rstrip("/") + "/" + link[len(prefix) :]
            changed = True
    return encode(document) if changed else None
