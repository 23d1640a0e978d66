"""Faulty implementations of what goes over the wire, both APIs: enum spelling, error fields, hostile input, CORS,
`suppress_http_code`, paging boundaries and the bodies the SDKs send. Each is the mock with one realistic bug."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.http.app import MockApp
from tests.faulty.base import (
    Request,
    Response,
    ResponseRewrite,
    Rewrite,
    accounts_of,
    answer,
    answer_of,
    error_of,
    faulty_app,
    json_or_none,
    read_body,
    replayer,
    with_body,
)


def is_edge(request: Request) -> bool:
    return request.path.endswith("/client_ad_accounts") and not request.is_klayrai


def is_batch(request: Request) -> bool:
    return request.method == "POST" and not request.is_klayrai and not request.path.endswith("/client_ad_accounts")


def hostile(request: Request) -> bool:
    return any(not (32 <= ord(char) < 127) for _, value in request.query for char in value)


def status_filter_case_insensitive() -> MockApp:
    """`status` compared case-insensitively: `ACTIVE` filters instead of being refused."""

    def request(incoming: Request) -> None:
        status = incoming.param("status")
        if incoming.is_klayrai and status is not None:
            incoming.set("status", status.strip().lower())

    return faulty_app(request=request)


def param_on_auth_errors() -> MockApp:
    """A 401 names `x-api-key` in `error.param`, which is only for a parameter at fault."""

    def response(request: Request, answer: Response) -> None:
        if request.is_klayrai and answer.status == 401 and error_of(answer):
            error_of(answer)["param"] = "x-api-key"

    return faulty_app(response=response)


def hostile_query_is_500() -> MockApp:
    """A handler that assumes ASCII: a non-ASCII or control character in a query value crashes it (HTTP 500)."""

    def response(request: Request, answer: Response) -> None:
        if hostile(request):
            answer.status, answer.headers["content-type"] = 500, "text/plain"
            answer.body = b"Internal Server Error"

    return faulty_app(response=response)


def outer_rewrite(response: ResponseRewrite) -> MockApp:
    """The mock with a response rewrite outside its CORS layer (a preflight never reaches `entry`)."""
    app = faulty_app()
    app.served = Rewrite(app.served, response=response)
    return app


def preflight_refused(api_error: dict[str, object], status: int, klayrai: bool) -> MockApp:
    """An auth layer in front of CORS on one API: a preflight (which carries no credentials) is refused."""

    def response(request: Request, answer: Response) -> None:
        if request.method == "OPTIONS" and request.is_klayrai == klayrai:
            answer.status, answer.headers["content-type"], answer.body = status, "application/json", api_error

    return outer_rewrite(response)


def preflight_needs_key() -> MockApp:
    """KlayrAI's key check runs before CORS: a preflight gets 401."""
    error = {"code": "authentication_error", "message": "Missing API key", "request_id": "req_0"}
    return preflight_refused({"error": error}, 401, klayrai=True)


def preflight_needs_token() -> MockApp:
    """Graph's token check runs before CORS: a preflight gets 400 code 104."""
    error = {"message": "An access token is required", "type": "OAuthException", "code": 104, "fbtrace_id": "A"}
    return preflight_refused({"error": error}, 400, klayrai=False)


def summary_case_insensitive() -> MockApp:
    """`summary` compared case-insensitively: `TRUE` adds the summary instead of being refused."""

    def request(incoming: Request) -> None:
        summary = incoming.param("summary")
        if is_edge(incoming) and summary is not None:
            incoming.set("summary", summary.lower())

    return faulty_app(request=request)


def next_on_the_last_page() -> MockApp:
    """The last page still has `paging.next`, to an empty page after it."""

    def response(request: Request, answer: Response) -> None:
        paging = answer.body.get("paging") if is_edge(request) and accounts_of(answer) else None
        if paging and "next" not in paging:
            query = [(k, v) for k, v in request.query if k not in ("after", "before")]
            query.append(("after", paging["cursors"]["after"]))
            paging["next"] = f"http://{request.headers['host']}{request.path}?{urlencode(query)}"

    return faulty_app(response=response)


def before_cursor_ignored() -> MockApp:
    """`before` accepted and ignored: walking back always lands on the first page."""

    def request(incoming: Request) -> None:
        if is_edge(incoming):
            incoming.drop("before")

    return faulty_app(request=request)


def error_data_not_json() -> MockApp:
    """Every Graph error carries an `error_data` that is not valid JSON (a Python repr)."""

    def response(request: Request, answer: Response) -> None:
        if not request.is_klayrai and error_of(answer):
            error_of(answer)["error_data"] = "{'blame_field_specs': [['fields']]}"

    return faulty_app(response=response)


def hostile_search_is_500() -> MockApp:
    """Graph's search crashes on non-ASCII or control characters: 500 code 1, as if the failure were transient."""

    def response(request: Request, answer: Response) -> None:
        if is_edge(request) and hostile(request):
            answer.status = 500
            answer.body = {"error": {"message": "An unknown error has occurred.", "type": "OAuthException",
                                     "code": 1, "is_transient": True, "fbtrace_id": "AAAA"}}  # fmt: skip

    return faulty_app(response=response)


def suppress_http_code_ignored() -> MockApp:
    """`suppress_http_code=1` ignored: errors keep their 4xx, which the JavaScript SDK does not expect."""

    def request(incoming: Request) -> None:
        if not incoming.is_klayrai:
            incoming.drop("suppress_http_code")

    return faulty_app(request=request)


def json_post_body_ignored() -> MockApp:
    """A POST's JSON body is not read (only the query and form bodies are): the Node SDK's POST lacks its account."""

    return faulty_app(request=lambda incoming: json_body_dropped(incoming) if is_edge(incoming) else None)


def json_body_dropped(incoming: Request) -> None:
    """A JSON body read as an empty form: what a server that reads forms only sees."""
    if incoming.headers.get("content-type", "").startswith("application/json"):
        incoming.headers["content-type"] = "application/x-www-form-urlencoded"
        incoming.body = b""


def form_batch(request: Request) -> tuple[dict[str, str], list[Any]]:
    """A batch sent as a form field: the form and its items ({} and [] for anything else)."""
    form = request.form() if is_batch(request) else {}
    items = json_or_none(form.get("batch", "").encode())
    return (form, items) if isinstance(items, list) else ({}, [])


def batch_item_tokens_ignored() -> MockApp:
    """Every item of a batch runs with the batch's token, whatever token the item carries."""

    def request(incoming: Request) -> None:
        form, items = form_batch(incoming)
        if not items:
            return
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("relative_url"), str):
                url, _, query = item["relative_url"].partition("?")
                kept = "&".join(pair for pair in query.split("&") if not pair.startswith("access_token="))
                item["relative_url"] = f"{url}?{kept}" if kept else url
                item.pop("headers", None)
        incoming.body = urlencode({**form, "batch": json.dumps(items)}).encode()

    return faulty_app(request=request)


def batch_json_body_refused() -> MockApp:
    """A batch is read from a form field only: the Node SDK's JSON body `{"batch": [...]}` is a batch missing."""

    return faulty_app(request=lambda incoming: json_body_dropped(incoming) if is_batch(incoming) else None)


def batch_answers_by_completion() -> MockApp:
    """A batch's items run in parallel and are answered in the order they finished (here: the reverse)."""

    def response(request: Request, answer: Response) -> None:
        if is_batch(request) and answer.status == 200 and isinstance(answer.body, list):
            answer.body.reverse()

    return faulty_app(response=response)


class SnapshotReads:
    """A form batch's GET items are answered as a batch of their own run just before it; then the whole batch runs,
    and its GET items' answers are replaced by those earlier ones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__mock/"):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        form, items = form_batch(Request.of(scope, body))
        reads = [
            i for i, item in enumerate(items) if isinstance(item, dict) and str(item.get("method")).upper() == "GET"
        ]
        if len(reads) in (0, len(items)):
            await self.app(scope, replayer(body), send)
            return
        alone = urlencode({**form, "batch": json.dumps([items[i] for i in reads])}).encode()
        _, _, earlier = await answer_of(self.app, with_body(scope, alone), alone)
        status, headers, raw = await answer_of(self.app, scope, body)
        answers, snapshot = json_or_none(raw), json_or_none(earlier)
        if isinstance(answers, list) and isinstance(snapshot, list) and len(snapshot) == len(reads):
            for index, read in zip(reads, snapshot, strict=True):
                answers[index] = read
            raw = json.dumps(answers, separators=(",", ":")).encode()
        await answer(send, status, headers, raw)


def batch_reads_from_a_snapshot() -> MockApp:
    """A batch's GET items read a snapshot taken before the batch: its POSTs land, the GETs after them miss them."""
    app = faulty_app()
    app.entry = SnapshotReads(app.entry)
    return app
