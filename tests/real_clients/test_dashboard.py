"""The dashboard in a real browser: Debian's Chromium driven by Playwright (no browser is downloaded). The page
follows the journal live, opens an exchange, adds and removes a scenario, resets after a confirmation, shows
coverage (or says it is not available), and never makes a request to another origin. Off loopback the browser
signs in with the admin token first. Firefox: test_dashboard_firefox.py."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, expect, sync_playwright

from mockserver.settings import Settings
from mockserver.testing import RunningMock, serve_in_thread
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import DOC_KEY, EDGE, TOKEN
from tests.proxy.support import proxy_to
from tests.real_parts import CHROMIUM_ARGS, require

ADMIN_TOKEN = "s3cret-admin-token-0123456789"
WAIT_MS = 20_000  # Swagger UI's 1.5 MB bundle, on two cores shared with other suites
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = require("chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Watched:
    """A page of the browser with every request outside the mock's origin and every script error noted. A blob: URL
    (a module the sign-in page runs) carries the origin of the page that made it."""

    def __init__(self, browser: Browser, origin: str) -> None:
        self.page: Page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.set_default_timeout(WAIT_MS)
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.requests: list[Request] = []
        self.origin = origin
        self.page.on("request", self.noted)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def noted(self, request: Request) -> None:
        self.requests.append(request)
        if not request.url.removeprefix("blob:").startswith(self.origin + "/"):
            self.outside.append(request.url)

    def __enter__(self) -> Watched:
        return self

    def __exit__(self, *failure: object) -> None:
        self.page.close()  # closes its journal stream before the server stops
        if failure[0] is None:
            assert self.outside == [] and self.errors == []


@pytest.fixture
def mock() -> Iterator[RunningMock]:
    with serve_in_thread(Settings()) as running:
        yield running


def accounts(mock: RunningMock) -> httpx.Response:
    return httpx.get(f"{mock.base_url}/v1/accounts", headers={"x-api-key": DOC_KEY})


def test_the_dashboard_follows_and_drives_the_mock(browser: Browser, mock: RunningMock) -> None:
    with Watched(browser, mock.base_url) as watched:
        drive(watched.page, mock)


def drive(page: Page, mock: RunningMock) -> None:
    page.goto(f"{mock.base_url}/__mock/ui/")
    expect(page.locator("#journal-live")).to_have_text("live")
    rows = page.locator("#journal-table tbody tr")

    sent = accounts(mock)  # made by the test, not the page: it must appear without a reload
    expect(rows.filter(has_text="listAccounts")).to_have_count(1)
    rows.first.focus()
    page.keyboard.press("Enter")
    details = page.locator("#details-body")
    expect(details).to_contain_text(sent.headers["x-request-id"])
    expect(details).to_contain_text("real behaviour")
    page.get_by_label("Filter by status").fill("500")
    expect(rows).to_have_count(0)
    page.get_by_label("Filter by status").fill("")
    expect(rows).to_have_count(1)

    form = page.locator("#scenario-form")
    form.get_by_label("Name", exact=True).fill("down")
    form.get_by_label("Operation", exact=True).select_option("listAccounts")
    form.get_by_label("Status code").select_option("500")
    form.get_by_label("Times").fill("5")
    form.get_by_role("button", name="Add scenario").click()
    expect(page.locator("#scenario-table tr[data-name=down]")).to_contain_text("status 500")
    assert accounts(mock).status_code == 500
    expect(rows.first).to_contain_text("scenario down")
    page.get_by_role("button", name="Remove scenario down").click()
    expect(page.locator("#scenario-table tr[data-name=down]")).to_have_count(0)
    assert mock.admin.get("/scenarios").json()["scenarios"] == []
    assert accounts(mock).status_code == 200

    confirmed = POST_OUTCOMES["confirmed"]
    assert httpx.post(mock.base_url + EDGE, params={"access_token": TOKEN}, data={"adaccount_id": confirmed}).is_success
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Reset").click()
    expect(rows).to_have_count(4)  # nothing reset: the request, the two of the scenario, the POST
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset").click()
    expect(rows).to_have_count(0)
    assert mock.journal() == []
    again = httpx.post(mock.base_url + EDGE, params={"access_token": TOKEN}, data={"adaccount_id": confirmed})
    assert again.json()["access_status"] == "CONFIRMED"  # the world is back to its seed

    expect(page.locator("#coverage-summary")).to_have_text(re.compile(r"not available|answered"))
    if "answered" in page.locator("#coverage-summary").inner_text():
        expect(page.locator("#coverage-table tr.never").first).to_contain_text("never")
    expect(page.locator("#credentials-body")).to_contain_text(f"x-api-key: {DOC_KEY}")


@pytest.fixture
def guarded() -> Iterator[RunningMock]:
    """A mock whose admin API needs the token (its guard reads the host setting; the socket is 127.0.0.1's)."""
    with serve_in_thread(Settings(host="0.0.0.0", admin_token=ADMIN_TOKEN)) as running:
        yield running


def signed(request: Request) -> bool:
    return request.headers.get("authorization") == f"Bearer {ADMIN_TOKEN}"


def test_off_loopback_the_browser_signs_in_with_the_admin_token(browser: Browser, guarded: RunningMock) -> None:
    """Every file of the dashboard needs the token too: the guard's 401 is a page that asks for it, keeps it in the
    tab, and loads the dashboard with it; a wrong token is asked again, a reload needs no second prompt, and the
    token travels in the Authorization header only, never in a URL."""
    with Watched(browser, guarded.base_url) as watched:
        page = watched.page
        first = page.goto(f"{guarded.base_url}/__mock/ui/")
        assert first is not None and first.status == 401
        token = page.get_by_label("Admin token")
        expect(token).to_be_focused()
        token.fill("not-the-token")
        page.get_by_role("button", name="Use token").click()
        expect(page.get_by_role("status")).to_contain_text("Authorization: Bearer")
        expect(token).to_be_focused()
        token.fill(ADMIN_TOKEN)
        page.get_by_role("button", name="Use token").click()
        expect(page.locator("#journal-live")).to_have_text("live")
        expect(page.locator("#credentials-body")).to_contain_text(DOC_KEY)
        accounts(guarded)
        expect(page.locator("#journal-table tbody tr").filter(has_text="listAccounts")).to_have_count(1)
        page.reload()
        expect(page.locator("#journal-live")).to_have_text("live")
        expect(page.locator("#journal-table tbody tr").filter(has_text="listAccounts")).to_have_count(1)
        expect(page.get_by_label("Admin token")).to_be_hidden()  # the dashboard's own prompt, for a later 401
        mock_calls = [r for r in watched.requests if r.url.startswith(guarded.base_url + "/__mock/")]
        assert {r.url.removeprefix(guarded.base_url) for r in mock_calls} >= {"/__mock/ui/js/sse.js", "/__mock/"}
        assert all(ADMIN_TOKEN not in r.url for r in watched.requests)
        unsigned = [(r.resource_type, r.headers.get("authorization")) for r in mock_calls if not signed(r)]
        assert unsigned == [("document", None), ("fetch", "Bearer not-the-token"), ("document", None)]


def test_the_validating_proxy_serves_the_dashboard_for_its_own_traffic(browser: Browser, mock: RunningMock) -> None:
    with proxy_to(mock.base_url) as (proxy, _), Watched(browser, proxy) as watched:
        page = watched.page
        page.goto(f"{proxy}/__mock/ui/")
        expect(page.locator("#journal-live")).to_have_text("live")
        for panel in ("#scenarios", "#limits", "#credentials"):  # the proxy has no world nor controls
            expect(page.locator(panel)).to_be_hidden()
        assert httpx.get(f"{proxy}/v1/accounts", headers={"x-api-key": DOC_KEY}).status_code == 200
        expect(page.locator("#journal-table tbody tr")).to_have_count(1)
        expect(page.locator("#journal-table tbody tr").first).to_contain_text("listAccounts")
        expect(page.locator("#coverage-summary")).to_have_text(re.compile(r"not available|answered"))


def execute(page: Page, operation_id: str, prefer: str | None = None) -> str:
    """Try it out, Execute, as a user does in Swagger UI: the status code of the answer it shows."""
    operation = page.locator(f'[id$="-{operation_id}"]')
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    if prefer is not None:
        operation.locator('tr[data-param-name="Prefer"] select').select_option(prefer)
    with page.expect_response(lambda response: response.request.resource_type == "fetch") as answer:
        operation.get_by_role("button", name="Execute").click()
    code = str(answer.value.status)
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_have_text(code)
    operation.get_by_role("button", name="Clear").click()
    operation.get_by_role("button", name="Cancel").click()
    operation.locator(".opblock-summary").click()
    return code


def test_swagger_ui_works_the_first_time(browser: Browser, mock: RunningMock) -> None:
    """No server to pick, no key to paste: the servers box holds this mock, the key and token are filled in, the
    examples name the default world, and Prefer forces a documented answer."""
    with Watched(browser, mock.base_url) as watched:
        page = watched.page
        page.goto(f"{mock.base_url}/ui/")
        expect(page.locator(".servers select")).to_have_value(mock.base_url)
        assert execute(page, "listAccounts") == "200"
        assert execute(page, "listClientAdAccounts") == "200"
        assert execute(page, "listAccounts", prefer="example=rate_limit_error") == "429"
    assert [e["status"] for e in mock.journal()] == [429, 200, 200]
