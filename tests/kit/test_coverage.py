"""The kit's coverage report against the project's own mock on a real socket: every operation of the contract listed
with its documented responses (split by named example where the contract names several answers under one status),
how often the target gave each, the rules that judged it; the HTML page self-contained and rendered by Chromium;
`--coverage-min` failing the run when too little was seen."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from klayrai_conformance.cli import main
from klayrai_conformance.coverage import Tally, classify, operation_at

from mockserver.contract.responses import documented_responses
from mockserver.contract.spec import default_contract
from mockserver.settings import Settings
from mockserver.testing import RunningMock, serve_in_thread
from tests.real_clients.test_browser import FLAGS
from tests.real_parts import require

Run = tuple[int, str, dict[str, Any], Path]
GRAPH_OPERATIONS = (
    "listClientAdAccounts",
    "createClientAdAccount",
    "graphBatch",
    "graphBatchNoSlash",
    "graphBatchRoot",
)


def run_kit(base_url: str, out_dir: Path, *args: str) -> Run:
    report, page = out_dir / "coverage.json", out_dir / "coverage.html"
    out = io.StringIO()
    # a generous budget: what is judged here is coverage, not speed on a machine other tests load
    argv = ["run", "--base-url", base_url, "--budget", "300", "--coverage", str(report), "--coverage-html", str(page)]
    argv += args
    code = main(argv, out=out, err=out)
    return code, out.getvalue(), json.loads(report.read_text(encoding="utf-8")), page


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningMock]:
    with serve_in_thread(Settings(log_level="warning")) as running:
        yield running


@pytest.fixture(scope="module")
def full_run(mock: RunningMock, tmp_path_factory: pytest.TempPathFactory) -> Run:
    mock.reset()
    return run_kit(mock.base_url, tmp_path_factory.mktemp("full"), "--coverage-min", "1")


@pytest.fixture(scope="module")
def klayrai_run(mock: RunningMock, tmp_path_factory: pytest.TempPathFactory) -> Run:
    mock.reset()
    return run_kit(mock.base_url, tmp_path_factory.mktemp("klayrai"), "--api", "klayrai", "--coverage-min", "99")


def operation(report: dict[str, Any], operation_id: str) -> dict[str, Any]:
    return next(item for item in report["operations"] if item["operationId"] == operation_id)


def kinds(item: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(entry["status"], entry["example"]) for entry in item["responses"]]


def test_a_status_is_split_only_where_its_examples_name_different_errors() -> None:
    contract = default_contract()
    klayrai = documented_responses(contract, "listAccounts")
    assert [(r.status, r.example) for r in klayrai] == [(s, None) for s in ("200", "400", "401", "403", "429", "500")]
    graph_400 = [r for r in documented_responses(contract, "listClientAdAccounts") if r.status == "400"]
    assert [r.example for r in graph_400] == [
        "graph_100",
        "graph_100_33",
        "graph_104",
        "graph_190",
        "graph_190_463",
        "graph_2500",
        "graph_80004",
        "graph_80000",
        "graph_1150",
    ]
    assert graph_400[0].examples == (
        "graph_100",
        "graph_100_field",
        "graph_100_limit",
        "graph_100_too_large",
        "graph_100_cursor",
        "graph_100_appsecret_proof",
    )
    assert graph_400[4].identities == frozenset({(190, 463)})


def test_an_answer_is_classified_by_its_status_and_error_fields() -> None:
    def error(code: object, subcode: int | None = None) -> bytes:
        fields = {"code": code, "message": "m", "type": "OAuthException", "fbtrace_id": "A"}
        return json.dumps({"error": {**fields, **({"error_subcode": subcode} if subcode else {})}}).encode()

    found = classify("listClientAdAccounts", 400, error(190, 463))
    assert found is not None and found.key == ("listClientAdAccounts", "400", "graph_190_463")
    assert classify("listClientAdAccounts", 400, error(100)).example == "graph_100"  # type: ignore[union-attr]
    assert classify("listClientAdAccounts", 400, error(190, 460)) is None  # a subcode the contract does not name
    assert classify("listClientAdAccounts", 200, error(100)) is None  # suppress_http_code: an error, not the 200
    assert classify("listAccounts", 401, error("authentication_error")).key == ("listAccounts", "401", None)  # type: ignore[union-attr]
    assert classify("listAccounts", 418, b"") is None


def test_a_request_is_routed_below_the_base_url_it_starts_with() -> None:
    bases = ["http://h:1/klayrai", "http://h:1"]
    assert operation_at("GET", "http://h:1/klayrai/v1/accounts?page=2", bases) == "listAccounts"
    assert operation_at("POST", "http://h:1/v25.0/123/client_ad_accounts", bases) == "createClientAdAccount"
    assert operation_at("POST", "http://h:1/v25.0", bases) == "graphBatchNoSlash"
    assert operation_at("POST", "http://h:1/", bases) == "graphBatchRoot"
    assert operation_at("PUT", "http://h:1/klayrai/v1/accounts", bases) is None
    assert operation_at("GET", "http://other/v1/accounts", bases) is None
    tally = Tally()
    tally.add(None, 404, b"")
    tally.add("listAccounts", 418, b"")
    assert tally.outside == 1 and tally.undocumented == {"listAccounts": {"418": 1}}


def test_the_full_run_lists_every_operation_and_what_the_mock_answered(full_run: Run) -> None:
    code, output, report, _ = full_run
    assert code == 0, output
    listing = [(item["operationId"], item["method"], item["path"]) for item in report["operations"]]
    assert listing == [(op.operation_id, op.method, op.path) for op in default_contract().operations.values()]
    klayrai = operation(report, "listAccounts")
    assert set(klayrai) == {"operationId", "method", "path", "responses", "rules", "undocumented"}
    assert kinds(klayrai) == [(s, None) for s in ("200", "400", "401", "403", "429", "500")]
    assert all(set(entry) == {"status", "example", "seen"} for entry in klayrai["responses"])
    assert klayrai["responses"][0]["seen"] > 0 and klayrai["responses"][2]["seen"] > 0  # 200 and 401
    assert {"rule": "klayrai.auth.required", "outcome": "passed"} in klayrai["rules"]
    graph = operation(report, "listClientAdAccounts")
    assert ("400", "graph_190_463") in kinds(graph) and ("400", "graph_100_field") not in kinds(graph)
    expired = next(entry for entry in graph["responses"] if entry["example"] == "graph_190_463")
    assert expired["seen"] >= 1  # the kit's expired-token probe
    summary = report["summary"]
    assert summary["documented"] == sum(len(item["responses"]) for item in report["operations"])
    assert summary["seen"] == sum(1 for item in report["operations"] for e in item["responses"] if e["seen"])
    assert summary["percent"] == round(100 * summary["seen"] / summary["documented"], 1)
    assert f"coverage: {summary['percent']}% of the documented responses seen" in output


def test_a_run_restricted_to_klayrai_still_lists_graph_and_fails_a_high_minimum(
    full_run: Run, klayrai_run: Run
) -> None:
    code, output, report, _ = klayrai_run
    assert code == 1, output
    for operation_id in GRAPH_OPERATIONS:
        item = operation(report, operation_id)
        assert all(entry["seen"] == 0 for entry in item["responses"]) and item["rules"] == []
    assert operation(report, "listAccounts")["responses"][0]["seen"] > 0
    assert report["summary"]["percent"] < full_run[2]["summary"]["percent"]
    assert f"COVERAGE {report['summary']['percent']}% is below --coverage-min 99%" in output
    assert "  listClientAdAccounts 400 graph_190_463\n" in output and "RESULT: coverage too low (exit 1)" in output


class Page(HTMLParser):
    """Checks the page's tags are balanced and collects every URL it would load or link to."""

    VOID: ClassVar[set[str]] = {"meta", "br", "hr", "img", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.urls: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.urls += [value or "" for name, value in attrs if name in ("src", "href", "action")]
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing open"


def test_the_html_page_is_valid_and_self_contained(full_run: Run) -> None:
    text = full_run[3].read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    page.close()
    assert text.startswith("<!DOCTYPE html>") and page.open == []
    assert not [url for url in page.urls if url.startswith(("http://", "https://", "//"))]
    assert not page.tags & {"script", "link", "img", "iframe"} and "@import" not in text and "url(" not in text


def test_chromium_renders_the_page_with_never_seen_responses_standing_out(full_run: Run, tmp_path: Path) -> None:
    chromium = require("chromium")
    _, _, report, html_path = full_run
    done = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp_path}", "--dump-dom", html_path.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert f"<strong>{report['summary']['percent']}%</strong>" in dom
    never = sum(1 for item in report["operations"] for entry in item["responses"] if not entry["seen"])
    assert dom.count('<tr class="never">') == never and never > 0
    assert dom.count('<tr class="seen">') == report["summary"]["seen"]
    assert '<section id="graphBatchRoot">' in dom
