"""What passed through the validating proxy, as HAR 1.2 (`/__mock/journal.har`, `--record-har FILE` kept valid
through a SIGTERM), and its reports listing every message of a broken rule; on real sockets and a real process."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import httpx

from mockserver.proxy.checks import Breach
from mockserver.proxy.report import MAX_MESSAGES, ViolationLog
from mockserver.testing import RunningMock, serve_process
from tests.conftest import DOC_KEY, EDGE, TOKEN
from tests.har_schema import valid_har
from tests.proxy.support import INVALID, VALID, proxy_to, send

PROXY = [sys.executable, "-m", "mockserver.cli", "proxy"]


def test_the_proxys_journal_as_har(mockserver: RunningMock) -> None:
    with proxy_to(mockserver.base_url) as (base, _):
        answers = send(base, VALID)
        response = httpx.get(f"{base}/__mock/journal.har")
        graph_only = valid_har(httpx.get(f"{base}/__mock/journal.har", params={"operation": "listAccounts"}).json())
    assert TOKEN not in response.text and DOC_KEY not in response.text
    entries = valid_har(response.json())["log"]["entries"]
    assert [e["response"]["status"] for e in entries] == [a.status_code for a in answers]
    assert len(graph_only["log"]["entries"]) == sum(path == "/v1/accounts" for _, path, _ in VALID)
    first = entries[0]
    assert first["request"]["url"] == f"{base}/v1/accounts"  # as the client sent it to the proxy
    assert first["_shapedBy"] == {"kind": "upstream", "name": mockserver.base_url}
    assert json.loads(first["response"]["content"]["text"]) == answers[0].json()
    paged = next(
        e for e in entries if e["request"]["url"].startswith(f"{base}{EDGE}?") and e["response"]["status"] == 200
    )
    assert json.loads(paged["response"]["content"]["text"])["paging"]["next"].startswith(base)  # as the client got it


def test_record_har_survives_sigterm(mockserver: RunningMock, tmp_path: Path) -> None:
    har = tmp_path / "out" / "traffic.har"
    command = [*PROXY, "--upstream", mockserver.base_url, "--record-har", str(har)]
    with serve_process(command) as (proxy, process):
        assert valid_har(json.loads(har.read_text()))["log"]["entries"] == []  # valid from the start
        answers = send(proxy.base_url, VALID[:8])
        valid_har(json.loads(har.read_text()))  # valid while traffic flows, whatever it holds yet
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    text = har.read_text()
    entries = valid_har(json.loads(text))["log"]["entries"]
    assert [e["response"]["status"] for e in entries] == [a.status_code for a in answers]
    assert TOKEN not in text and DOC_KEY not in text
    assert [path.name for path in har.parent.iterdir()] == ["traffic.har"]  # no temporary file left


def test_every_message_of_a_broken_rule_is_reported(mockserver: RunningMock) -> None:
    with proxy_to(mockserver.base_url) as (base, app):
        send(base, INVALID)
        rules = {rule["rule"]: rule for rule in httpx.get(f"{base}/__mock/violations").json()["rules"]}
        summary = app.log.summary()
    parameters = rules["request.parameters"]
    messages = [m["message"] for m in parameters["messages"]]
    assert sum(m["count"] for m in parameters["messages"]) == parameters["count"] == 6
    assert len(messages) > 2 and parameters["more_messages"] == 0
    assert parameters["first"]["message"] == messages[0]
    assert all(message in summary for message in messages)


def test_messages_kept_per_rule_are_bounded() -> None:
    log = ViolationLog()
    for index in range(MAX_MESSAGES + 10):
        findings = [Breach("response.schema", f"problem {index}"), Breach("response.schema", "problem 0")]
        log.add(["response.schema"], findings, "GET /x -> 200", lambda: "curl", str)
    (rule,) = log.as_json()["rules"]
    assert rule["count"] == 2 * (MAX_MESSAGES + 10)
    assert len(rule["messages"]) == MAX_MESSAGES and rule["more_messages"] == 10
    assert rule["messages"][0] == {"message": "problem 0", "count": MAX_MESSAGES + 11}
    assert "... and 10 more" in log.summary() and "problem 0 (x61)" in log.junit_xml()
