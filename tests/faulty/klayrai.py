"""Faulty KlayrAI implementations: each is the mock with one realistic contract bug."""

from __future__ import annotations

import math
from typing import Any

from mockserver.http.app import MockApp
from mockserver.world.records import Connection
from tests.faulty.base import Request, Response, Rewrite, accounts_of, error_of, faulty_app

BIG_KEY = "klyr_live_agency2bigworkspace01"
OTHER_KEY = "klyr_test_otherworkspace00001"
REVOKED_KEY = "klyr_live_revokedkey0000000001"
KNOWN_PARAMS = ("status", "page", "page_size")


def campaign_count_as_string() -> MockApp:
    """Type drift: `campaignCount` serialized as a string (a DECIMAL column rendered as text)."""

    def response(request: Request, answer: Response) -> None:
        for account in accounts_of(answer):
            account["campaignCount"] = str(account.get("campaignCount"))

    return faulty_app(response=response)


def missing_connected_by() -> MockApp:
    """A required field left out: `connectedBy` dropped from every account."""

    def response(request: Request, answer: Response) -> None:
        for account in accounts_of(answer):
            account.pop("connectedBy", None)

    return faulty_app(response=response)


def problem_json_errors() -> MockApp:
    """The framework's default error body (RFC 7807 problem+json) instead of the KlayrAI envelope."""

    def response(request: Request, answer: Response) -> None:
        if request.is_klayrai and answer.status >= 400:
            error = error_of(answer)
            title, detail = error.get("code"), error.get("message")
            answer.body = {"type": "about:blank", "title": title, "status": answer.status, "detail": detail}
            answer.headers["content-type"] = "application/problem+json"

    return faulty_app(response=response)


def lower_plan_is_401() -> MockApp:
    """A workspace below the Agency plan refused with 401 authentication_error instead of 403 plan_insufficient."""

    def response(request: Request, answer: Response) -> None:
        error = error_of(answer)
        if error.get("code") == "plan_insufficient":
            answer.status = 401
            error["code"] = "authentication_error"

    return faulty_app(response=response)


class ShiftedPage(list[Connection]):
    """A list whose page slices start one item early from page 2 on: `offset = (page - 1) * size - 1`."""

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice) and index.start:
            index = slice(index.start - 1, index.stop - 1)
        return super().__getitem__(index)


def page_off_by_one() -> MockApp:
    """Pagination off by one: every page after the first repeats the last account of the page before."""
    app = faulty_app()
    store = app.mock.store
    original = store.workspace_connections

    def shifted(workspace: str, status: str | None) -> list[Connection]:
        return ShiftedPage(original(workspace, status))

    store.workspace_connections = shifted  # type: ignore[method-assign]
    return app


def has_more_from_page_length() -> MockApp:
    """`hasMore` computed as "this page is full", wrong on the last page when the total is a multiple of the size."""

    def response(request: Request, answer: Response) -> None:
        if request.is_klayrai and answer.status == 200:
            answer.body["pagination"]["hasMore"] = len(answer.body["data"]) == answer.body["pagination"]["page_size"]

    return faulty_app(response=response)


def status_filter_ignored() -> MockApp:
    """The `status` filter accepted and validated, then not applied."""

    def request(incoming: Request) -> None:
        if incoming.is_klayrai and incoming.param("status") in ("active", "disconnected", "token_expired"):
            incoming.drop("status")

    return faulty_app(request=request)


def total_of_unfiltered_set() -> MockApp:
    """With `status`, `pagination.total` (and `hasMore`) count the whole workspace, not the filtered set."""
    app = faulty_app()
    store = app.mock.store

    def response(request: Request, answer: Response) -> None:
        key = store.world.api_keys.get(request.headers.get("x-api-key", ""))
        if request.is_klayrai and answer.status == 200 and request.param("status") and key:
            pagination = answer.body["pagination"]
            pagination["total"] = len(store.workspace_connections(key.workspace_id, None))
            pagination["hasMore"] = pagination["page"] * pagination["page_size"] < pagination["total"]

    app.entry = Rewrite(app.entry, response=response)
    return app


def request_id_mismatch() -> MockApp:
    """`error.request_id` generated separately from the `x-request-id` header."""

    def response(request: Request, answer: Response) -> None:
        error = error_of(answer)
        if request.is_klayrai and "request_id" in error:
            error["request_id"] = "req_" + "0" * 15 + "1"

    return faulty_app(response=response)


def params_checked_before_auth() -> MockApp:
    """Parameter validation runs before authentication: a bad key with a bad page gets 400, not 401."""

    def request(incoming: Request) -> None:
        bad_param = any(k not in KNOWN_PARAMS for k, _ in incoming.query) or incoming.param("page") == "0"
        if incoming.is_klayrai and bad_param:
            incoming.headers["x-api-key"] = BIG_KEY

    return faulty_app(request=request)


def unknown_parameter_ignored() -> MockApp:
    """Unknown query parameters silently ignored (a client's `pageSize` typo goes unnoticed)."""

    def request(incoming: Request) -> None:
        if incoming.is_klayrai:
            incoming.query = [(k, v) for k, v in incoming.query if k in KNOWN_PARAMS]

    return faulty_app(request=request)


def version_echoes_anything() -> MockApp:
    """The `klayrai-version` response header echoes whatever was asked for, even an unsupported version."""

    def response(request: Request, answer: Response) -> None:
        if request.is_klayrai and "klayrai-version" in request.headers:
            answer.headers["klayrai-version"] = request.headers["klayrai-version"]

    return faulty_app(response=response)


def rate_limit_reset_in_ms() -> MockApp:
    """`X-RateLimit-Reset` in epoch milliseconds instead of seconds."""

    def response(request: Request, answer: Response) -> None:
        if request.is_klayrai and "x-ratelimit-reset" in answer.headers:
            answer.headers["x-ratelimit-reset"] = str(int(answer.headers["x-ratelimit-reset"]) * 1000)

    return faulty_app(response=response)


def tenant_leak() -> MockApp:
    """Tenant isolation broken: the other workspace's key is resolved to the agency workspace (a cache keyed wrong)."""

    def request(incoming: Request) -> None:
        if incoming.is_klayrai and incoming.headers.get("x-api-key") == OTHER_KEY:
            incoming.headers["x-api-key"] = BIG_KEY

    return faulty_app(request=request)


def past_end_is_400() -> MockApp:
    """A page past the end refused with 400 instead of 200 with `data: []`."""

    def response(request: Request, answer: Response) -> None:
        body = answer.body
        if request.is_klayrai and answer.status == 200 and not body["data"] and body["pagination"]["total"]:
            last = math.ceil(body["pagination"]["total"] / body["pagination"]["page_size"])
            if body["pagination"]["page"] > last:
                request_id = answer.headers["x-request-id"]
                error = {"code": "invalid_request", "message": "page out of range", "param": "page"}
                answer.status, answer.body = 400, {"error": {**error, "request_id": request_id}}

    return faulty_app(response=response)


def closed_with_active() -> MockApp:
    """Closed accounts still report the active campaigns they had before closing."""

    def response(request: Request, answer: Response) -> None:
        for account in accounts_of(answer):
            if account.get("status") == "closed":
                account["campaignCount"] = max(1, account.get("campaignCount", 0))
                account["activeCampaignCount"] = 1

    return faulty_app(response=response)


def malformed_key_is_400() -> MockApp:
    """A key that does not look like `klyr_live_...` refused as a bad parameter (400) instead of 401."""

    def response(request: Request, answer: Response) -> None:
        key = request.headers.get("x-api-key")
        if request.is_klayrai and key is not None and not key.startswith(("klyr_live_", "klyr_test_")):
            error = error_of(answer)
            answer.status = 400
            error.update(code="invalid_request", message="x-api-key is malformed", param="x-api-key")

    return faulty_app(response=response)


def revoked_key_accepted() -> MockApp:
    """Revocation not checked: a revoked key still reads its workspace (here: the agency's)."""

    def request(incoming: Request) -> None:
        if incoming.is_klayrai and incoming.headers.get("x-api-key") == REVOKED_KEY:
            incoming.headers["x-api-key"] = BIG_KEY

    return faulty_app(request=request)


def unknown_parameters_checked_first() -> MockApp:
    """Unknown parameters are rejected before the known ones are validated: `param` names the wrong fault."""

    def response(request: Request, answer: Response) -> None:
        unknown = [k for k, _ in request.query if k not in KNOWN_PARAMS]
        error = error_of(answer)
        if request.is_klayrai and unknown and error.get("code") == "invalid_request":
            error.update(param=unknown[0], message=f"Unknown query parameter: {unknown[0]}")

    return faulty_app(response=response)


def validation_errors_are_422() -> MockApp:
    """Parameter faults answered 422 (a framework's default) with the `invalid_request` code documented for 400."""

    def response(request: Request, answer: Response) -> None:
        if request.is_klayrai and error_of(answer).get("code") == "invalid_request":
            answer.status = 422

    return faulty_app(response=response)


def rate_limit_remaining_never_moves() -> MockApp:
    """`X-RateLimit-Remaining` always equals the limit: it does not count the requests of the window."""

    def response(request: Request, answer: Response) -> None:
        if request.is_klayrai and "x-ratelimit-limit" in answer.headers:
            answer.headers["x-ratelimit-remaining"] = answer.headers["x-ratelimit-limit"]

    return faulty_app(response=response)
