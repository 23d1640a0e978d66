"""The page a browser gets off loopback instead of the dashboard until it sends the admin token.

A navigation cannot send `Authorization: Bearer`, so the admin guard's 401 for a browser opening `/__mock/ui/`
carries this page (`sign_in/`): it asks for the token, keeps it in sessionStorage (never a cookie, never a URL),
and loads the dashboard by fetching its files with the token. Its own code is inline, allowed by a nonce drawn for
each answer; the page holds no data, and the guard's decision is the same as for any admin call.
"""

from __future__ import annotations

import secrets
from importlib import resources

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, Response
from starlette.types import Scope

from mockserver.controls.admin_guard import CHALLENGE
from mockserver.controls.dashboard.pages import HEADERS, is_dashboard

FOLDER = resources.files(__package__) / "sign_in"


def policy(nonce: str) -> str:
    """The dashboard's policy, with this page's nonce for its inline code and the dashboard's it runs."""
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
        "img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


def opens_a_page(scope: Scope) -> bool:
    """A browser's navigation to the dashboard: a GET (or HEAD) of it whose Accept names HTML before JSON."""
    if scope["method"] not in ("GET", "HEAD") or not is_dashboard(scope["path"]):
        return False
    accept = Headers(scope=scope).get("accept", "")
    html, json = accept.find("text/html"), accept.find("application/json")
    return html >= 0 and (json < 0 or html < json)


class SignIn:
    """The admin guard's `sign_in`: the page for a browser opening the dashboard, else None (the JSON 401)."""

    def __init__(self) -> None:
        self.page = (FOLDER / "page.html").read_text(encoding="utf-8")
        self.loader = (FOLDER / "loader.js").read_text(encoding="utf-8")  # inlined: it never says "</script"

    def __call__(self, scope: Scope) -> Response | None:
        if not opens_a_page(scope):
            return None
        nonce = secrets.token_urlsafe(18)
        body = self.page.replace("__NONCE__", nonce).replace("__LOADER__", self.loader)
        headers = {**HEADERS, **CHALLENGE, "content-security-policy": policy(nonce), "cache-control": "no-store"}
        return HTMLResponse(body, status_code=401, headers=headers)
