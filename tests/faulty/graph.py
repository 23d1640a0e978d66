"""Faulty Graph implementations: each is the mock with one realistic contract bug."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import SplitResult, urlsplit

from mockserver.contract.spec import default_contract
from mockserver.http.app import MockApp
from mockserver.world.records import Relation
from tests.faulty.base import Request, Response, Rewrite, accounts_of, error_of, faulty_app

TOKEN = "EAAGagency0valid0token"
OTHER_TOKEN = "EAAGother0agency0token"
OTHER_BUSINESS = "5550001111"


def is_edge(request: Request) -> bool:
    return request.path.endswith("/client_ad_accounts") and not request.is_klayrai


def cursor_wraps_around() -> MockApp:
    """The last page's `after` cursor wraps around to the start: a walk never ends (it loops)."""
    app = faulty_app()
    codec = app.mock.apis[1].cursors  # type: ignore[attr-defined]

    def response(request: Request, answer: Response) -> None:
        paging = answer.body.get("paging") if is_edge(request) and answer.status == 200 else None
        if paging and "next" not in paging and "previous" in paging:
            wrapped = codec.encode(0)
            paging["cursors"]["after"] = wrapped
            paging["next"] = paging["previous"].split("?")[0] + "?" + f"access_token={TOKEN}&after={wrapped}"

    app.entry = Rewrite(app.entry, response=response)
    return app


def fields_ignored() -> MockApp:
    """`fields` accepted and then ignored: always the default fields."""

    def request(incoming: Request) -> None:
        if is_edge(incoming) and incoming.method == "GET":
            incoming.drop("fields")

    return faulty_app(request=request)


def limit_ignored() -> MockApp:
    """`limit` validated, then ignored: always pages of 25."""

    def request(incoming: Request) -> None:
        if is_edge(incoming) and incoming.method == "GET":
            incoming.drop("limit")

    return faulty_app(request=request)


def rewritten_paging_links(rewrite: Callable[[SplitResult], str]) -> MockApp:
    """The mock, with every `paging.next`/`previous` of the edge rewritten from its parts."""

    def response(request: Request, answer: Response) -> None:
        paging = answer.body.get("paging") if is_edge(request) and answer.status == 200 else None
        for name in ("next", "previous"):
            if paging and name in paging:
                paging[name] = rewrite(urlsplit(paging[name]))

    return faulty_app(response=response)


def relative_paging_links() -> MockApp:
    """`paging.next`/`previous` as relative URLs (path and query only)."""
    return rewritten_paging_links(lambda parts: f"{parts.path}?{parts.query}")


def paging_links_on_internal_host() -> MockApp:
    """`paging.next`/`previous` built from the service's internal host name, not the host that was called."""
    return rewritten_paging_links(lambda parts: f"http://graph-api.internal:8080{parts.path}?{parts.query}")


def auth_bypass_without_token() -> MockApp:
    """Auth bypass: a request without any token is served as the agency (a development default left on)."""

    def request(incoming: Request) -> None:
        has_header = incoming.headers.get("authorization", "").strip()
        has_token = incoming.param("access_token") or "access_token" in incoming.form() or has_header
        if not incoming.is_klayrai and not has_token:
            incoming.set("access_token", TOKEN)

    return faulty_app(request=request)


def duplicate_post_accepted() -> MockApp:
    """A second POST of the same ad account answered 200 CONFIRMED instead of 3989."""

    def response(request: Request, answer: Response) -> None:
        if request.method == "POST" and error_of(answer).get("code") == 3989:
            answer.status, answer.body = 200, {"access_status": "CONFIRMED"}
            answer.headers.pop("www-authenticate", None)

    return faulty_app(response=response)


def unknown_task_accepted() -> MockApp:
    """Unknown `permitted_tasks` values accepted (the request succeeds, the unknown task is dropped)."""

    def response(request: Request, answer: Response) -> None:
        message = str(error_of(answer).get("message", ""))
        if request.method == "POST" and "permitted_tasks" in message:
            answer.status, answer.body = 200, {"access_status": "CONFIRMED"}
            answer.headers.pop("www-authenticate", None)

    return faulty_app(response=response)


def errors_without_www_authenticate() -> MockApp:
    """Graph errors sent without the `WWW-Authenticate` header."""

    def response(request: Request, answer: Response) -> None:
        if not request.is_klayrai:
            answer.headers.pop("www-authenticate", None)

    return faulty_app(response=response)


def forged_cursor_accepted() -> MockApp:
    """A cursor the server did not issue is ignored (first page) instead of refused with code 100."""
    app = faulty_app()
    codec = app.mock.apis[1].cursors  # type: ignore[attr-defined]

    def request(incoming: Request) -> None:
        for name in ("after", "before"):
            value = incoming.param(name)
            if is_edge(incoming) and value is not None:
                try:
                    codec.decode(value)
                except ValueError:
                    incoming.drop(name)

    app.entry = Rewrite(app.entry, request=request)
    return app


def unknown_field_dropped() -> MockApp:
    """Unknown names in `fields` silently dropped instead of refused with code 100."""
    known = set(default_contract().deref({"$ref": "#/components/schemas/AdAccountField"})["enum"])

    def request(incoming: Request) -> None:
        fields = incoming.param("fields")
        if is_edge(incoming) and fields:
            incoming.set("fields", ",".join(f for f in fields.split(",") if f.strip() in known))

    return faulty_app(request=request)


def bearer_token_ignored() -> MockApp:
    """Only `access_token` in the query is read: `Authorization: Bearer` gets code 104."""

    def request(incoming: Request) -> None:
        if not incoming.is_klayrai:
            incoming.headers.pop("authorization", None)

    return faulty_app(request=request)


def created_account_not_listed() -> MockApp:
    """A POST answers CONFIRMED, but the listing is served from an index the write does not update."""
    app = faulty_app()
    store, state = app.mock.store, app.mock.state
    original = state.request_access

    async def request_access(business_id: str, ad_account_id: str, tasks: tuple[str, ...]) -> Relation | str:
        outcome = await original(business_id, ad_account_id, tasks)
        if isinstance(outcome, Relation) and outcome.access_status == "CONFIRMED":
            with store.lock:
                clients = store.clients[business_id]
                index = clients.relations.index(outcome)
                del clients.relations[index], clients.seqs[index]
        return outcome

    state.request_access = request_access  # type: ignore[method-assign]
    return app


def summary_counts_the_page() -> MockApp:
    """`summary.total_count` counts the nodes of the page, not the selection."""

    def response(request: Request, answer: Response) -> None:
        if is_edge(request) and answer.status == 200 and "summary" in answer.body:
            answer.body["summary"]["total_count"] = len(accounts_of(answer))

    return faulty_app(response=response)


def search_query_ignored() -> MockApp:
    """`search_query` accepted and ignored: every client account is returned."""

    def request(incoming: Request) -> None:
        if is_edge(incoming):
            incoming.drop("search_query")

    return faulty_app(request=request)


def other_business_visible() -> MockApp:
    """Authorization checks that the business exists, not that the token can see it."""

    def request(incoming: Request) -> None:
        if is_edge(incoming) and f"/{OTHER_BUSINESS}/" in incoming.path and incoming.param("access_token") == TOKEN:
            incoming.set("access_token", OTHER_TOKEN)

    return faulty_app(request=request)


def default_fields_include_name() -> MockApp:
    """Without `fields`, nodes also carry `name` (the default field list drifted)."""

    def request(incoming: Request) -> None:
        if is_edge(incoming) and incoming.method == "GET" and not (incoming.param("fields") or "").strip():
            incoming.set("fields", "account_id,name")

    return faulty_app(request=request)


def account_id_as_number() -> MockApp:
    """Type drift: `account_id` as a JSON number instead of a string of digits."""

    def response(request: Request, answer: Response) -> None:
        for node in accounts_of(answer) if is_edge(request) else []:
            if isinstance(node.get("account_id"), str):
                node["account_id"] = int(node["account_id"])

    return faulty_app(response=response)


def www_authenticate_word_of_another_code() -> MockApp:
    """`WWW-Authenticate` says `invalid_token` for every error (the word of 190), whatever the code."""

    def response(request: Request, answer: Response) -> None:
        header = answer.headers.get("www-authenticate")
        if not request.is_klayrai and header:
            answer.headers["www-authenticate"] = header.replace('"invalid_request"', '"invalid_token"')

    return faulty_app(response=response)


def www_authenticate_ascii_only() -> MockApp:
    """Not a fault: `WWW-Authenticate` with every character of the message a header cannot carry (non-ASCII, control)
    replaced by `?`, as many HTTP stacks write a header; the kit must pass it."""

    def response(request: Request, answer: Response) -> None:
        header, message = answer.headers.get("www-authenticate"), error_of(answer).get("message")
        if not request.is_klayrai and header and isinstance(message, str):
            written = "".join(char if " " <= char <= "~" else "?" for char in message.replace('"', "'"))
            answer.headers["www-authenticate"] = (
                header[: header.index('" "', header.index('" "') + 3) + 3] + written + '"'
            )

    return faulty_app(response=response)


def limits_are_server_errors() -> MockApp:
    """A request over a limit (query, body, JSON depth) answered as Graph's transient unknown error (500 code 1)."""

    def response(request: Request, answer: Response) -> None:
        error = error_of(answer)
        if not request.is_klayrai and error.get("code") == 100 and "the limit is" in str(error.get("message")):
            answer.status = 500
            error.update(code=1, message="An unknown error has occurred.", is_transient=True)

    app = faulty_app()
    app.entry = Rewrite(app.entry, response=response)
    return app
