"""The validating proxy in front of the mock itself (a conforming upstream), on real sockets: clean traffic passes
untouched, broken requests are reported, paging links are rewritten so clients (the official Python SDK, a client
following `paging.next`) stay on the proxy, `--strict` answers in the API's own envelope, `--record` writes
examples that `mockserver examples --validate` checks."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from facebook_business.adobjects.business import Business
from facebook_business.api import FacebookAdsApi
from facebook_business.session import FacebookSession

from mockserver.cli import main as cli_main
from mockserver.proxy.report import header_value
from mockserver.testing import RunningMock, serve_app
from tests.conftest import AGENCY, DOC_KEY, EDGE, TOKEN
from tests.faulty import graph, klayrai
from tests.proxy.support import INVALID, VALID, proxy_to, send


@pytest.fixture
def proxied(mockserver: RunningMock) -> Iterator[tuple[str, Any]]:
    with proxy_to(mockserver.base_url) as running:
        yield running


def test_clean_upstream_passes_untouched(proxied: tuple[str, Any], mockserver: RunningMock) -> None:
    base, _ = proxied
    answers = send(base, VALID)
    assert [a.headers.get("x-contract-violations") for a in answers] == [None] * len(VALID)
    direct = httpx.get(f"{mockserver.base_url}/v1/accounts", headers={"x-api-key": DOC_KEY})
    assert answers[0].content == direct.content and answers[0].status_code == 200
    assert answers[0].headers["x-request-id"].startswith("req_")
    assert httpx.get(f"{base}/__mock/violations").json() == {"exchanges": len(VALID), "violations": 0, "rules": []}
    assert httpx.get(f"{base}/__mock/journal", params={"violations": "true"}).json()["entries"] == []
    assert len(httpx.get(f"{base}/__mock/journal", params={"limit": 1000}).json()["entries"]) == len(VALID)


def test_broken_requests_are_forwarded_and_reported(proxied: tuple[str, Any]) -> None:
    base, _ = proxied
    answers = send(base, INVALID)
    reported = [a.headers["x-contract-violations"] for a in answers]
    assert reported == [
        "request.parameters",
        "request.parameters",
        "request.parameters",
        "request.auth",
        "request.auth",
        "request.parameters",
        "request.parameters",
        "request.parameters",
        "request.route",
    ]
    assert answers[0].json()["error"]["param"] == "pageSize"  # the upstream's own answer, forwarded
    summary = httpx.get(f"{base}/__mock/violations").json()
    assert summary["violations"] == len(INVALID)
    rules = {rule["rule"]: rule for rule in summary["rules"]}
    assert {name: rule["count"] for name, rule in rules.items()} == {
        "request.parameters": 6,
        "request.auth": 2,
        "request.route": 1,
    }
    first = rules["request.parameters"]["first"]
    assert first["exchange"] == "GET /v1/accounts -> 400"
    assert "pageSize=5" in first["curl"] and "x-api-key: klyr_l...i789" in first["curl"]
    assert DOC_KEY not in first["curl"]
    journal = httpx.get(f"{base}/__mock/journal", params={"violations": "true"}).json()["entries"]
    assert [tuple(entry["violations"]) for entry in reversed(journal)] == [(rule,) for rule in reported]
    assert TOKEN not in json.dumps(journal)


def test_paging_links_point_at_the_proxy_and_lead_to_the_end(proxied: tuple[str, Any]) -> None:
    base, proxy = proxied
    url: str | None = f"{base}{EDGE}?access_token={TOKEN}&limit=40&fields=name"
    seen: list[str] = []
    with httpx.Client(timeout=10) as client:
        while url:
            page = client.get(url)
            assert page.status_code == 200 and "x-contract-violations" not in page.headers
            seen += [node["id"] for node in page.json()["data"]]
            url = page.json().get("paging", {}).get("next")
            assert url is None or url.startswith(f"{base}/v25.0/")
    assert len(seen) == len(set(seen)) > 100
    assert proxy.log.exchanges == -(-len(seen) // 40) and proxy.log.total == 0


def test_official_sdk_cursor_through_the_proxy(proxied: tuple[str, Any], mockserver: RunningMock) -> None:
    base, proxy = proxied
    original = FacebookSession.GRAPH
    FacebookSession.GRAPH = base
    try:
        api = FacebookAdsApi.init(
            app_id="1",
            app_secret=mockserver.credentials()["app_secret"],
            access_token=TOKEN,
            crash_log=False,
            api_version="v25.0",
        )
        cursor = Business(AGENCY, api=api).get_client_ad_accounts(fields=["name", "currency"], params={"limit": 50})
        nodes = list(cursor)
    finally:
        FacebookSession.GRAPH = original
    assert cursor.total() == len(nodes) == len({node["id"] for node in nodes}) > 100
    assert proxy.log.exchanges == -(-len(nodes) // 50)
    assert proxy.log.total == 0, proxy.log.summary()


def test_strict_answers_broken_requests_itself(mockserver: RunningMock) -> None:
    with proxy_to(mockserver.base_url, strict=True) as (base, _):
        before = len(mockserver.journal(limit=1000))
        page = httpx.get(f"{base}/v1/accounts", params={"page_size": 0}, headers={"x-api-key": DOC_KEY})
        graph = httpx.get(f"{base}{EDGE}", params={"access_token": TOKEN, "fields": "nope"})
        missing = httpx.get(f"{base}{EDGE}")
        fine = httpx.get(f"{base}/v1/accounts", headers={"x-api-key": DOC_KEY})
    assert len(mockserver.journal(limit=1000)) == before + 1  # only the valid request reached the upstream
    assert page.status_code == 400 and page.headers["x-contract-violations"] == "request.parameters"
    error = page.json()["error"]
    assert error["code"] == "invalid_request" and error["param"] == "page_size"
    assert error["request_id"] == page.headers["x-request-id"]
    assert graph.status_code == 400 and graph.json()["error"]["code"] == 100
    assert "nonexisting field (nope)" in graph.json()["error"]["message"]
    assert graph.headers["www-authenticate"].startswith('OAuth "Facebook Platform" "invalid_request"')
    assert missing.status_code == 400 and missing.json()["error"]["code"] == 104
    assert fine.status_code == 200 and "x-contract-violations" not in fine.headers


def test_strict_turns_a_broken_answer_into_502() -> None:
    faulty = klayrai.campaign_count_as_string()
    with serve_app(faulty, lifespan="off") as upstream, proxy_to(upstream, strict=True) as (base, _):
        klayrai_answer = httpx.get(f"{base}/v1/accounts", headers={"x-api-key": DOC_KEY})
    assert klayrai_answer.status_code == 502
    error = klayrai_answer.json()["error"]
    assert error["code"] == "api_error" and error["request_id"] == klayrai_answer.headers["x-request-id"]
    assert error["message"] == "The upstream's answer (HTTP 200) broke the contract: response.schema"
    with serve_app(graph.limit_ignored(), lifespan="off") as upstream, proxy_to(upstream, strict=True) as (base, _):
        graph_answer = httpx.get(f"{base}{EDGE}", params={"access_token": TOKEN, "limit": 1})
    assert graph_answer.status_code == 502
    assert graph_answer.headers["x-contract-violations"] == "graph.limit, graph.paging_links"
    body = graph_answer.json()["error"]
    assert body["code"] == 1 and body["is_transient"] is True and "graph.limit" in body["message"]
    assert graph_answer.headers["www-authenticate"].startswith('OAuth "Facebook Platform" "unknown_error"')


def test_record_then_validate(mockserver: RunningMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "recorded"
    with proxy_to(mockserver.base_url, record=folder) as (base, _):
        answers = send(base, VALID)
        files = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.json"))
        send(base, VALID)
    assert sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.json")) == files  # nothing new
    # One file per documented answer, named after the contract's named example it is (status and error identity).
    assert files == [
        "createClientAdAccount/400/recorded_graph_100_post_33.json",
        "listAccounts/200/recorded_seed_page.json",
        "listAccounts/401/recorded_authentication_error.json",
        "listAccounts/403/recorded_plan_insufficient.json",
        "listClientAdAccounts/200/recorded_default_fields.json",
        "listClientAdAccounts/400/recorded_graph_100_33.json",
        "listClientAdAccounts/400/recorded_graph_190.json",
    ]
    assert [a.status_code for a in answers].count(200) == 11
    page = json.loads((folder / files[4]).read_text())
    assert page["paging"]["next"].startswith(f"{mockserver.base_url}/v25.0/")  # the upstream's link, not the proxy's
    text = "".join(path.read_text() for path in folder.rglob("*.json"))
    assert TOKEN not in text and "EAAGag...oken" in text  # the token in paging links is masked
    assert cli_main(["examples", "--validate", str(folder)]) == 0
    assert f"{len(files)} payloads checked, 0 problems" in capsys.readouterr().err
    broken = folder / "listAccounts" / "200" / "hand_edited.json"
    broken.write_text(json.dumps({"data": [], "pagination": {"total": "2"}}))
    assert cli_main(["examples", "--validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "listAccounts/200/hand_edited.json: body['pagination', 'total']" in err


def test_violations_header_is_bounded() -> None:
    rules = [f"graph.rule_{index:03d}" for index in range(500)]
    value = header_value(rules, limit=200)
    assert len(value) <= 200 and value.endswith("more)")
    shown = value.split(", ... (")[0].split(", ")
    assert shown == rules[: len(shown)] and value.endswith(f"({500 - len(shown)} more)")
    assert header_value(["a.b", "c.d"]) == "a.b, c.d"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/v1/accounts%2Fextra", {"x-api-key": DOC_KEY}),
        ("/v1/acc%20ounts?page=%ZZ", {"x-api-key": DOC_KEY}),
        ("/v1/accounts?page=" + "9" * 5000, {"x-api-key": DOC_KEY}),
        ("/v1/accounts", {b"x-api-key": DOC_KEY.encode(), b"x-note": "caf\xe9".encode("latin-1")}),
        (f"{EDGE}?access_token={TOKEN}&fields=name%2Cbusiness%7Bid%7D", {}),
    ],
    ids=["encoded-slash", "bad-escapes", "long-query", "latin-1-header", "field-expansion"],
)
def test_odd_requests_get_the_upstreams_own_answer(proxied: tuple[str, Any], mockserver: RunningMock, path: str,
                                                   headers: dict[Any, Any]) -> None:  # fmt: skip
    base, _ = proxied
    with httpx.Client(timeout=10) as client:
        direct = client.get(mockserver.base_url + path, headers=headers)
        through = client.get(base + path, headers=headers)
    assert through.status_code == direct.status_code < 500
    assert through.json().keys() == direct.json().keys()


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["proxy"]) == 2
    assert cli_main(["proxy", "--upstream", "ftp://127.0.0.1"]) == 2
    assert cli_main(["examples", "--validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no upstream for the klayrai API" in err and "is not an http(s) URL" in err
    assert "no <operationId>/<status>/<name>.json under" in err


def test_the_proxy_loads_no_mock() -> None:
    """It judges with the compiled contract and the APIs' surfaces: neither the mock nor its pipeline is loaded."""
    probe = (
        "import sys, mockserver.proxy.app; print(sorted({'mockserver.mock', 'mockserver.pipeline'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
