"""HAR as Firefox's devtools and mitmproxy write it, made here from the mock's real answers: form bodies as
`postData.params`, base64 bodies, HTTP/2 pseudo headers, compressed answers already decoded, optional fields missing,
`_`-prefixed custom fields. `conformance check` reads them all, and its failures name entry, rule and field."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from klayrai_conformance.cli import main

from mockserver.contract.spec import default_contract
from mockserver.testing import RunningMock, free_port, serve_in_thread
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import AGENCY, BIG_KEY, EDGE, TOKEN

ORIGIN = "http://127.0.0.1:5173"
PREFLIGHT = {"origin": ORIGIN, "access-control-request-method": "GET", "access-control-request-headers": "x-api-key"}


def conformance(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def firefox_entry(response: httpx.Response) -> dict[str, Any]:
    """Firefox: a form body as `postData.params`, no `timings` or `cache`, custom `_securityState`."""
    request = response.request
    entry: dict[str, Any] = {
        "_securityState": "insecure",
        "request": {
            "method": request.method,
            "url": str(request.url),
            "headers": [{"name": k, "value": v} for k, v in request.headers.items()],
        },
        "response": {
            "status": response.status_code,
            "headers": [{"name": k, "value": v} for k, v in response.headers.items()],
            "content": {"size": len(response.content), "text": response.text} if response.content else {"size": 0},
        },
    }
    if request.content:
        params = [{"name": k, "value": v} for k, v in httpx.QueryParams(request.content.decode()).multi_items()]
        entry["request"]["postData"] = {"mimeType": "application/x-www-form-urlencoded", "params": params}
    return entry


def mitmproxy_entry(response: httpx.Response) -> dict[str, Any]:
    """mitmproxy: HTTP/2 pseudo headers, every body base64, `Content-Encoding` kept though the text is decoded."""
    request = response.request
    headers = [{"name": ":authority", "value": request.url.netloc.decode()}]
    headers += [{"name": k, "value": v} for k, v in request.headers.items()]
    return {
        "startedDateTime": "2026-03-10T14:00:00.000Z",
        "time": 3.5,
        "request": {"method": request.method, "url": str(request.url), "httpVersion": "HTTP/2.0", "headers": headers},
        "response": {
            "status": response.status_code,
            "headers": [{"name": "content-encoding", "value": "gzip"}]
            + [{"name": k, "value": v} for k, v in response.headers.items() if k != "content-encoding"],
            "content": {
                "mimeType": response.headers.get("content-type", ""),
                "encoding": "base64",
                "text": base64.b64encode(response.content).decode(),
            },
        },
    }


def write_har(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "test"}, "entries": entries}}))
    return path


def other_entry() -> dict[str, Any]:
    """The page's own traffic: not either API's path, ignored and counted."""
    return {"request": {"method": "GET", "url": f"{ORIGIN}/assets/app.js"}, "response": {"status": 200}}


@pytest.fixture
def firefox_har(mockserver: RunningMock, tmp_path: Path) -> Path:
    """A preflight, a KlayrAI page, a Graph POST as a form, and the Graph list that shows it."""
    with mockserver.client(headers={"origin": ORIGIN}) as http:
        answers = [
            http.request("OPTIONS", "/v1/accounts", headers=PREFLIGHT),
            http.get("/v1/accounts", params={"page_size": 3}, headers={"x-api-key": BIG_KEY}),
            http.post(EDGE, data={"access_token": TOKEN, "adaccount_id": POST_OUTCOMES["confirmed"]}),
            http.get(EDGE, params={"access_token": TOKEN, "limit": 50}),
        ]
    entries = [firefox_entry(answer) for answer in answers]
    return write_har(tmp_path / "firefox.har", [*entries, other_entry()])


def test_a_firefox_recording_with_a_form_post_and_a_preflight_conforms(firefox_har: Path) -> None:
    code, output = conformance("check", str(firefox_har))
    assert code == 0, output
    assert "4 API entries judged, 1 other entries ignored" in output


def test_a_replay_sends_the_recorded_writes_only_when_allowed(firefox_har: Path) -> None:
    with serve_in_thread() as fresh:
        code, output = conformance("replay", str(firefox_har), "--base-url", fresh.base_url)
        assert code == 0, output
        assert "skipped (a write; --allow-writes sends it): #3 POST http://" in output
        assert "2 requests sent, 1 preflights left" in output
    with serve_in_thread() as fresh:
        code, output = conformance("replay", str(firefox_har), "--base-url", fresh.base_url, "--allow-writes")
        assert code == 0, output
        assert "3 requests sent" in output and "skipped" not in output


def test_the_same_read_answered_differently_is_named(mockserver: RunningMock, tmp_path: Path) -> None:
    with mockserver.client() as http:
        answer = http.get("/v1/accounts", params={"page_size": 2}, headers={"x-api-key": BIG_KEY})
    first, again = mitmproxy_entry(answer), mitmproxy_entry(answer)
    body = answer.json()
    body["data"][1]["name"] = "Renamed"
    again["response"]["content"]["text"] = base64.b64encode(json.dumps(body).encode()).decode()
    code, output = conformance("check", str(write_har(tmp_path / "twice.har", [first, again])))
    assert code == 1, output
    assert "FAILED har.same_answer  #2 GET http://" in output
    assert 'data[1].name: recorded "' in output and '"Renamed" (vs #1)' in output
    assert BIG_KEY not in output


def test_a_batch_is_checked_and_replayed_item_by_item(mockserver: RunningMock, tmp_path: Path) -> None:
    items = [
        {"method": "GET", "relative_url": f"{AGENCY}/client_ad_accounts?fields=name&limit=2"},
        {"method": "GET", "relative_url": "5550001111/client_ad_accounts"},  # the other agency: an error item
    ]
    with mockserver.client() as http:
        answer = http.post("/v25.0/", data={"access_token": TOKEN, "batch": json.dumps(items)})
    assert [item["code"] for item in answer.json()] == [200, 400]
    har = write_har(tmp_path / "batch.har", [firefox_entry(answer)])
    code, output = conformance("check", str(har))
    assert code == 0, output
    with serve_in_thread() as fresh:
        code, output = conformance("replay", str(har), "--base-url", fresh.base_url, "--allow-writes")
        assert code == 0, output  # item bodies compared as JSON; their trace ids and cursors are volatile
        fresh.arm({"name": "broken", "operation": "listClientAdAccounts", "respond": {"code": 500}})
        code, output = conformance("replay", str(har), "--base-url", fresh.base_url, "--allow-writes")
        assert code == 1 and "DIFFERS graphBatch /v25.0/ #1: [0].code: recorded 200, answered 500" in output, output


def test_a_replay_to_a_target_that_accepts_no_connection_is_a_usage_error(firefox_har: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    code, output = conformance("replay", str(firefox_har), "--base-url", closed)
    assert code == 2 and output.startswith(f"conformance: error: target unreachable: {closed}"), output


def test_a_mitmproxy_recording_is_read_and_its_faults_named(mockserver: RunningMock, tmp_path: Path) -> None:
    with mockserver.client() as http:
        first = http.get(EDGE, params={"access_token": TOKEN, "limit": 2, "summary": "true"})
        second = http.get(first.json()["paging"]["next"])
        refused = http.request("OPTIONS", EDGE, headers=PREFLIGHT)
    entries = [mitmproxy_entry(answer) for answer in (first, second, refused)]
    har = write_har(tmp_path / "mitm.har", entries)
    code, output = conformance("check", str(har))
    assert code == 0, output

    replayed_page = {**second.json(), "data": first.json()["data"]}  # page 2 says what page 1 said
    entries[1]["response"]["content"]["text"] = base64.b64encode(json.dumps(replayed_page).encode()).decode()
    entries[2]["response"]["headers"] = [h for h in entries[2]["response"]["headers"] if "methods" not in h["name"]]
    code, output = conformance("check", str(write_har(tmp_path / "faulty.har", entries)))
    assert code == 1, output
    failures = [line for line in output.splitlines() if line.startswith("FAILED")]
    assert any(line.startswith("FAILED har.paging_continues  #2 GET http://") and "data:" in line for line in failures)
    assert any("cors.preflight  #3 OPTIONS" in line and "access-control-allow-methods" in line for line in failures)
    assert TOKEN not in output, output


def test_a_file_that_is_not_a_har_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "page.har"
    path.write_text('{"log": {}}')
    assert conformance("check", str(path)) == (2, f"conformance: error: {path} is not a HAR: no log.entries list\n")
    path.write_text('{"log": {"entries": [{"request": [], "response": 1}]}}')
    assert conformance("check", str(path)) == (2, "conformance: error: an entry has no request.method or request.url\n")
    path.write_text("not json")
    code, output = conformance("check", str(path))
    assert code == 2 and output.startswith(f"conformance: error: {path} is not JSON")


def test_every_volatile_property_the_contract_lists_is_one_of_its_schemas() -> None:
    contract = default_contract()
    pointers = contract.spec["components"]["x-volatile-properties"]
    assert all("/properties/" in pointer and contract.resolve({"$ref": pointer}) for pointer in pointers)
    headers = contract.spec["components"]["headers"]
    assert headers["XFbTraceId"]["x-volatile"] and not headers["FacebookApiVersion"].get("x-volatile")
