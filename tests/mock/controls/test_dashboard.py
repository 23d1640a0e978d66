"""The dashboard's server side on a real socket: the journal stream (live, resumable, bounded), the `/__mock/`
index, the page's files (same origin only; behind the guard: test_dashboard_guard.py), the settings and the ad
accounts a POST can name, by outcome."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from mockserver.controls.dashboard import pages
from mockserver.controls.dashboard.stream import JournalStream
from mockserver.settings import Settings
from mockserver.state.journal import Journal
from mockserver.testing import RunningMock, serve_app, serve_in_thread
from tests.conftest import AGENCY, DOC_KEY, EDGE, TOKEN
from tests.proxy.support import proxy_to
from tests.redis_server import RedisServer

STREAM = "/__mock/journal/stream"
STATIC = Path(pages.__file__).parent / "static"


def read_events(lines: Iterator[str], wanted: int) -> list[tuple[str, str]]:
    """The next `wanted` events or comments of an open stream's lines, as (field, data or value): the caller keeps
    the iterator, since dropping it closes the stream."""
    found: list[tuple[str, str]] = []
    block: list[str] = []
    for line in lines:
        if line:
            block.append(line)
            continue
        if block:
            lines = [b for b in block if not b.startswith(("id:", "retry:"))] or block
            field, _, value = lines[0].partition(":")
            data = next((b[5:].strip() for b in block if b.startswith("data:")), value.strip())
            found.append((field if field else "comment", data))
            block = []
        if len(found) >= wanted:
            break
    return found


@pytest.fixture
def mock() -> Iterator[RunningMock]:
    with serve_in_thread(Settings()) as running:
        yield running


def test_a_request_appears_on_the_stream_without_asking(mock: RunningMock) -> None:
    with httpx.stream("GET", mock.base_url + STREAM, timeout=10) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        sent = httpx.get(mock.base_url + "/v1/accounts", headers={"x-api-key": DOC_KEY})
        events = read_events(stream.iter_lines(), 2)
    assert events[0] == ("retry", "2000")
    assert events[1][0] == "event"
    entry = json.loads(events[1][1])
    assert (entry["operation_id"], entry["status"], entry["trace"]) == (
        "listAccounts",
        200,
        sent.headers["x-request-id"],
    )
    assert entry["credential"] != DOC_KEY  # masked, as in the journal


def test_a_stream_resumes_after_the_id_it_is_given(mock: RunningMock) -> None:
    for status in ("200", "429"):
        httpx.get(mock.base_url + "/v1/accounts", headers={"x-api-key": DOC_KEY, "Prefer": f"code={status}"})
    first, second = sorted(e["id"] for e in mock.journal())
    with httpx.stream("GET", mock.base_url + STREAM, params={"after": first}, timeout=10) as stream:
        events = read_events(stream.iter_lines(), 2)
    entry = json.loads(events[1][1])
    assert (entry["id"], entry["status"], entry["scenario"]) == (second, 429, "prefer")
    with httpx.stream("GET", mock.base_url + STREAM, headers={"Last-Event-ID": str(first)}, timeout=10) as stream:
        assert json.loads(read_events(stream.iter_lines(), 2)[1][1])["id"] == second


def test_bad_resume_points_and_methods_are_refused_in_the_admin_envelope(mock: RunningMock) -> None:
    bad = httpx.get(mock.base_url + STREAM, params={"after": "soon"})
    assert bad.status_code == 400 and "after" in bad.json()["error"]["message"]
    assert httpx.post(mock.base_url + STREAM, json={}).status_code == 405


def test_streams_are_capped_and_a_quiet_one_sends_heartbeats() -> None:
    journal = Journal(10)
    app = Starlette(routes=[Route("/s", JournalStream(journal, limit=1, heartbeat=0.3))])
    with serve_app(app) as base, httpx.stream("GET", base + "/s", timeout=10) as held:
        lines = held.iter_lines()
        assert read_events(lines, 2)[1] == ("comment", "heartbeat")
        refused = httpx.get(base + "/s")
        assert refused.status_code == 503 and "1 journal streams" in refused.json()["error"]["message"]
        held.close()
        deadline = time.monotonic() + 5  # the slot frees once the server sees the stream gone
        while True:
            with httpx.stream("GET", base + "/s", timeout=5) as again:
                if again.status_code == 200:
                    break
            assert time.monotonic() < deadline, "the closed stream kept its slot"
            time.sleep(0.1)


def test_the_index_lists_the_pages_that_exist(mock: RunningMock) -> None:
    listed = httpx.get(mock.base_url + "/__mock/").json()["pages"]
    paths = [page["path"] for page in listed]
    assert {"/__mock/ui/", "/ui/", "/__mock/journal", STREAM, "/__mock/credentials"} <= set(paths)
    assert "/__mock/coverage" in paths
    for path in paths:
        assert httpx.get(mock.base_url + path, headers={"accept": "application/json"}, timeout=2).status_code == 200 \
            if path != STREAM else True  # fmt: skip
    page = httpx.get(mock.base_url + "/__mock/", headers={"accept": "text/html,*/*"})
    assert page.headers["content-type"].startswith("text/html") and '<a href="/__mock/ui/">Dashboard</a>' in page.text


def test_the_page_loads_nothing_from_another_origin(mock: RunningMock) -> None:
    page = httpx.get(mock.base_url + "/__mock/ui/")
    assert page.status_code == 200 and '<script type="module" src="js/main.js">' in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    other = httpx.get(mock.base_url + "/__mock/ui/js/main.js", headers={"origin": "http://evil.test"})
    assert "access-control-allow-origin" not in other.headers  # never CORS-enabled, like the admin API
    for file in STATIC.rglob("*.*"):
        text = file.read_text(encoding="utf-8")
        assert "://" not in text.replace("window.location.origin", ""), file  # no absolute URL anywhere
        served = httpx.get(f"{mock.base_url}/__mock/ui/{file.relative_to(STATIC).as_posix()}")
        assert served.status_code == 200 and served.text == text
    assert httpx.get(mock.base_url + "/__mock/ui").headers["location"] == "/__mock/ui/"
    missing = httpx.get(mock.base_url + "/__mock/ui/../admin.py")
    assert missing.status_code == 404


def test_off_loopback_the_pages_data_needs_the_token() -> None:
    settings = Settings(host="0.0.0.0", admin_token="s3cret-admin-token-0123456789")
    with serve_in_thread(settings) as running:
        for path in (STREAM, "/__mock/", "/__mock/settings", "/__mock/credentials"):
            assert httpx.get(running.base_url + path).status_code == 401, path
        bearer = {"authorization": "Bearer s3cret-admin-token-0123456789"}
        with httpx.stream("GET", running.base_url + STREAM, headers=bearer, timeout=10) as stream:
            assert stream.status_code == 200


def test_settings_show_latency_and_the_default_budget() -> None:
    with serve_in_thread(Settings(latency_ms=(5.0, 20.0), rate_limit="50/10")) as running:
        shown = httpx.get(running.base_url + "/__mock/settings").json()
    assert shown["latency_ms"] == [5.0, 20.0] and shown["rate_limit"] == "50/10"
    assert shown["validate_responses"] is True and "memory" in shown["state"]


def test_the_credentials_name_an_ad_account_for_each_post_outcome(mock: RunningMock) -> None:
    targets = {t["business_id"]: t for t in mock.credentials()["graph_post"]}[AGENCY]
    assert targets["path"] == EDGE
    with httpx.Client(base_url=mock.base_url, params={"access_token": TOKEN}) as post:
        assert post.post(EDGE, data={"adaccount_id": targets["accepted"][0]}).json()["access_status"] == "CONFIRMED"
        assert post.post(EDGE, data={"adaccount_id": targets["pending"][0]}).json()["access_status"] == "PENDING"
        codes = {"graph_3946": 3946, "graph_3945": 3945, "graph_3989": 3989}
        assert set(targets["conflict"]) == set(codes)
        for example, accounts in targets["conflict"].items():
            refused = post.post(EDGE, data={"adaccount_id": accounts[0]}).json()["error"]
            assert refused["code"] == codes[example]
    after = {t["business_id"]: t for t in mock.credentials()["graph_post"]}[AGENCY]
    assert targets["accepted"][0] in after["conflict"]["graph_3989"]  # judged on the relations of the moment


def test_swagger_ui_reads_a_copy_of_the_contract_that_works_against_this_mock(mock: RunningMock) -> None:
    spec = httpx.get(mock.base_url + "/ui/try-it.json").json()
    assert spec["servers"] == [{"url": mock.base_url, "description": "this mock server"}]
    filled = spec["x-mock-credentials"]
    assert filled == {"klayraiApiKey": DOC_KEY, "graphAccessToken": TOKEN}
    operation = spec["paths"]["/{graph_version}/{business_id}/client_ad_accounts"]["get"]
    prefer = next(p for p in operation["parameters"] if p.get("name") == "Prefer")
    assert {"code=200", "code=400", "example=graph_80004"} <= set(prefer["schema"]["enum"])
    business = next(p for p in spec["components"]["parameters"].values() if p.get("name") == "business_id")["schema"][
        "example"
    ]
    url = f"{mock.base_url}/v25.0/{business}/client_ad_accounts"
    assert httpx.get(url, params={"access_token": filled["graphAccessToken"]}).status_code == 200
    forced = httpx.get(url, params={"access_token": TOKEN}, headers={"Prefer": "example=graph_80004"})
    assert forced.json()["error"]["code"] == 80004
    served = httpx.get(mock.base_url + "/openapi.json").json()  # what implementations and the kit read: unchanged
    assert "x-mock-credentials" not in served and served["servers"] != spec["servers"]
    operations = [op for item in served["paths"].values() for op in item.values() if isinstance(op, dict)]
    assert "Prefer" not in [p.get("name") for op in operations for p in op.get("parameters", [])]
    page = httpx.get(mock.base_url + "/ui/")
    assert '<script src="./try-it.js"></script>' in page.text and "./swagger-ui-bundle.js" in page.text


def test_the_proxy_lists_its_own_pages_and_streams_its_own_journal(mock: RunningMock) -> None:
    with proxy_to(mock.base_url) as (proxy, _):
        paths = [page["path"] for page in httpx.get(proxy + "/__mock/").json()["pages"]]
        assert "/__mock/ui/" in paths and STREAM in paths and "/ui/" not in paths and "/__mock/scenarios" not in paths
        assert httpx.get(proxy + "/__mock/ui/").status_code == 200
        with httpx.stream("GET", proxy + STREAM, timeout=10) as stream:
            httpx.get(proxy + "/v1/accounts", headers={"x-api-key": DOC_KEY})
            assert json.loads(read_events(stream.iter_lines(), 2)[1][1])["operation_id"] == "listAccounts"


def test_the_stream_sees_requests_recorded_in_the_shared_state(redis_server: RedisServer) -> None:
    with serve_in_thread(Settings(state=redis_server.url())) as running:
        running.reset()
        with httpx.stream("GET", running.base_url + STREAM, timeout=10) as stream:
            sent = httpx.get(running.base_url + "/v1/accounts", headers={"x-api-key": DOC_KEY})
            entry = json.loads(read_events(stream.iter_lines(), 2)[1][1])
    assert entry["trace"] == sent.headers["x-request-id"]


def test_a_resume_point_from_an_earlier_run_starts_over(mock: RunningMock) -> None:
    """A browser tab outlives a restart: its Last-Event-ID names an entry the new journal never had."""
    httpx.get(mock.base_url + "/v1/accounts", headers={"x-api-key": DOC_KEY})
    with httpx.stream("GET", mock.base_url + STREAM, headers={"Last-Event-ID": "9999"}, timeout=10) as stream:
        lines = stream.iter_lines()
        reset, first = read_events(lines, 3)[1:]
        assert reset == ("event", '{"total":1}') and json.loads(first[1])["status"] == 200
        httpx.get(mock.base_url + "/v1/accounts", headers={"x-api-key": DOC_KEY, "Prefer": "code=429"})
        assert json.loads(read_events(lines, 1)[0][1])["status"] == 429
