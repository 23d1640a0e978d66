"""What `mockserver serve` prints at start: where the mock is, the pages it serves, the state it keeps, and the
default world's credentials with curl lines that work when pasted (published credentials whole, a user's masked)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mockserver.contract.secrets import mask
from mockserver.settings import Settings
from mockserver.world.credentials import API_KEYS, GRAPH_TOKENS

if TYPE_CHECKING:
    from mockserver.controls.dashboard.pages import Page

# The pages the banner names, when the mock serves them (the full list is at /__mock/).
BANNER_PAGES = ("/__mock/ui/", "/ui/", "/__mock/", "/__mock/credentials", "/__mock/coverage", "/__mock/journal.har")


def reachable(host: str) -> str:
    """The host a pasted URL should name: a wildcard bind address (all interfaces) is reached on loopback."""
    if host in ("0.0.0.0", "::", "[::]", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def shown(secret: str) -> str:
    """The default world's credentials are published (world/credentials.py): whole, to paste; any other is masked."""
    return secret if secret in {*API_KEYS.values(), *GRAPH_TOKENS.values()} else mask(secret)


def try_lines(base: str, credentials: dict) -> list[str]:
    """Ready-to-paste curl lines with the first usable key and token, and an ad account a POST accepts."""
    lines = []
    key = next((k["x-api-key"] for k in credentials["klayrai"] if not k["revoked"] and k["plan"] == "agency"), None)
    if key is not None and shown(key) == key:
        lines.append(f"  Try: curl -s {base}/v1/accounts -H 'x-api-key: {key}'")
    token = next((t for t in credentials["graph"] if not t["expired"] and t["can_manage"]), None)
    post = next((p for p in credentials["graph_post"] if token and p["business_id"] in token["business_ids"]), None)
    if token is not None and post is not None and shown(token["access_token"]) == token["access_token"]:
        url = f"{base}{post['path']}?access_token={token['access_token']}"
        lines.append(f"       curl -s '{url}&fields=name,account_status'")
        if post["accepted"]:
            lines.append(f"       curl -s -X POST '{url}' -d adaccount_id={post['accepted'][0]}")
    return lines


def banner(settings: Settings, credentials: dict, state: str, pages: Sequence[Page]) -> str:
    from mockserver.controls.admin_guard import admin_notice, is_loopback

    base = f"http://{reachable(settings.host)}:{settings.port}"
    if not is_loopback(settings.host) and not settings.admin_token:  # the admin API is off: so are its pages
        pages = [page for page in pages if not page.path.startswith("/__mock/")]
    lines = [
        f"Mock server on {base}",
        *(f"  {page.title + ':':<13}{base}{page.path}" for page in pages if page.path in BANNER_PAGES),
        admin_notice(settings.host, settings.admin_token),
        f"  {state}",
        f"  Responses are {'validated' if settings.validate_responses else 'NOT validated'} against the contract.",
        "  KlayrAI keys (x-api-key):",
        *(
            f"    {shown(k['x-api-key']):<36} {k['plan']:<8} "
            + ("revoked" if k["revoked"] else str(k["accounts"]) + " accounts")
            for k in credentials["klayrai"]
        ),
        "  Graph tokens (access_token):",
        *(
            f"    {shown(t['access_token']):<36} {t['name']:<10} businesses {','.join(t['business_ids'])}"
            + (" expired" if t["expired"] else "")
            + ("" if t["can_manage"] else " no-permission")
            for t in credentials["graph"]
        ),
        *try_lines(base, credentials),
    ]
    return "\n".join(lines)
