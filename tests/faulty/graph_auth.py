"""Faulty Graph implementations of the token states, the version in the path and concurrent POSTs."""

from __future__ import annotations

import threading
import time

from mockserver.http.app import MockApp
from mockserver.world.records import Relation
from tests.faulty.base import Request, Response, error_of, faulty_app
from tests.faulty.graph import TOKEN

EXPIRED_TOKEN = "EAAGagency0expired0token"
NOPERM_TOKEN = "EAAGagency0noperm0token"
RACE_WINDOW_SECONDS = 1.0


def expiry_not_checked() -> MockApp:
    """Token expiry not checked: an expired token still reads the edge."""

    def request(incoming: Request) -> None:
        if not incoming.is_klayrai and incoming.param("access_token") == EXPIRED_TOKEN:
            incoming.set("access_token", TOKEN)

    return faulty_app(request=request)


def permission_not_checked() -> MockApp:
    """The edge's permission not checked: a token that only sees the business reads its client accounts."""

    def request(incoming: Request) -> None:
        if not incoming.is_klayrai and incoming.param("access_token") == NOPERM_TOKEN:
            incoming.set("access_token", TOKEN)

    return faulty_app(request=request)


def appsecret_proof_ignored() -> MockApp:
    """`appsecret_proof` never verified: a wrong proof is accepted."""

    def request(incoming: Request) -> None:
        if not incoming.is_klayrai:
            incoming.drop("appsecret_proof")

    return faulty_app(request=request)


def version_header_fixed() -> MockApp:
    """`facebook-api-version` always names the server's default version, whatever the path asked for."""

    def response(request: Request, answer: Response) -> None:
        if not request.is_klayrai and "facebook-api-version" in answer.headers:
            answer.headers["facebook-api-version"] = "v25.0"

    return faulty_app(response=response)


def concurrent_duplicates_accepted() -> MockApp:
    """Check-then-insert without a lock: POSTs of one account that race (within 1 s) each create a relation."""
    app = faulty_app()
    store, state = app.mock.store, app.mock.state
    original = state.request_access
    recent: dict[tuple[str, str], float] = {}
    lock = threading.Lock()

    async def request_access(business_id: str, ad_account_id: str, tasks: tuple[str, ...]) -> Relation | str:
        key = (business_id, ad_account_id)
        with lock:
            outcome = await original(business_id, ad_account_id, tasks)
            if isinstance(outcome, Relation):
                recent[key] = time.monotonic()
            elif outcome == "graph_3989" and time.monotonic() - recent.get(key, float("-inf")) < RACE_WINDOW_SECONDS:
                return store.relations[key]  # the insert "raced": this POST is answered as a creation too
            return outcome

    state.request_access = request_access  # type: ignore[method-assign]
    return app


def unknown_path_is_404() -> MockApp:
    """An unknown edge answered by the web framework: 404 with its own JSON body, not Graph's 400 code 2500."""

    def response(request: Request, answer: Response) -> None:
        if not request.is_klayrai and error_of(answer).get("code") == 2500:
            answer.status, answer.body = 404, {"detail": "Not Found"}

    return faulty_app(response=response)


def unknown_account_accepted() -> MockApp:
    """A POST of an ad account that does not exist answered 200 PENDING (queued without checking it exists)."""

    def response(request: Request, answer: Response) -> None:
        error = error_of(answer)
        if request.method == "POST" and (error.get("code"), error.get("error_subcode")) == (100, 33):
            answer.status, answer.body = 200, {"access_status": "PENDING"}
            answer.headers.pop("www-authenticate", None)

    return faulty_app(response=response)


def asset_conflicts_accepted() -> MockApp:
    """A POST of an ad account the business owns (3946), or under a pending ownership request (3945), answered
    200 CONFIRMED: the outcome checks stop at "not yet a client"."""

    def response(request: Request, answer: Response) -> None:
        if request.method == "POST" and error_of(answer).get("code") in (3945, 3946):
            answer.status, answer.body = 200, {"access_status": "CONFIRMED"}
            answer.headers.pop("www-authenticate", None)

    return faulty_app(response=response)
