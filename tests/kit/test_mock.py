"""The kit against the project's own mock on a real socket: the default run passes with zero failures through both
front ends (CLI subprocess, pytest entry subprocess), within the CI budget; and the kit's behaviour towards a
target: unreachable -> exit 2, read-only by default off loopback, rate limits waited out, missing credentials
skipped with a reason."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from klayrai_conformance.cli import main
from klayrai_conformance.http import ProbeClient

from mockserver.settings import Settings
from mockserver.testing import RunningMock, serve_in_thread
from tests.conftest import AGENCY, BIG_KEY, TOKEN
from tests.paths import ROOT

CI_BUDGET_SECONDS = 60
LOADED_MACHINE_BUDGET = 90  # a run that must pass, not be fast: never cut short on a busy machine
KIT_VARIABLES = (
    "KLAYRAI_API_KEY",
    "KLAYRAI_API_KEY_LOWER_PLAN",
    "KLAYRAI_API_KEY_OTHER",
    "GRAPH_ACCESS_TOKEN",
    "GRAPH_BUSINESS_ID",
    "GRAPH_OTHER_BUSINESS_ID",
    "GRAPH_ADACCOUNT_NEW",
    "GRAPH_ADACCOUNT_BATCH",
    "GRAPH_ADACCOUNT_PENDING",
    "GRAPH_ADACCOUNT_EXISTING",
    "KLAYRAI_API_KEY_REVOKED",
    "GRAPH_EXPIRED_TOKEN",
    "GRAPH_TOKEN_NO_PERMISSION",
    "GRAPH_APP_SECRET",
    "CONFORMANCE_BASE_URL",
    "CONFORMANCE_ARGS",
)


@pytest.fixture(scope="module")
def target() -> Iterator[RunningMock]:
    """A mock of our own (the kit POSTs), reset before each test that uses it."""
    with serve_in_thread(Settings(log_level="warning")) as running:
        yield running


@pytest.fixture
def mock(target: RunningMock) -> RunningMock:
    target.reset()
    return target


def kit_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in KIT_VARIABLES}


def junit_counts(path: Path) -> dict[str, int]:
    cases = list(ET.parse(path).getroot().iter("testcase"))
    counts = {tag: sum(1 for case in cases if case.find(tag) is not None) for tag in ("failure", "error", "skipped")}
    return {"tests": len(cases), **counts}


def run_in_process(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", *args], out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def test_default_run_via_the_cli_passes_within_the_ci_budget(mock: RunningMock, tmp_path: Path) -> None:
    junit = tmp_path / "conformance.xml"
    command = [sys.executable, "-m", "klayrai_conformance", "run", "--base-url", mock.base_url, "--junit", str(junit)]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=kit_environment(), capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    assert "RESULT: the target conforms (exit 0)" in done.stdout
    counts = junit_counts(junit)
    assert counts["failure"] == counts["error"] == 0 and counts["tests"] >= 50
    assert counts["skipped"] == 0, done.stdout  # the mock's defaults unlock every rule
    assert elapsed < CI_BUDGET_SECONDS, f"the default run took {elapsed:.1f} s"
    posts = [entry for entry in mock.journal(limit=1000) if entry["method"] == "POST"]
    assert posts, "on loopback, writes are on by default"


def test_the_pytest_entry_passes(mock: RunningMock, tmp_path: Path) -> None:
    junit = tmp_path / "pytest.xml"
    command = [
        sys.executable, "-m", "pytest", "--pyargs", "klayrai_conformance.suite",
        "--base-url", mock.base_url, "--conformance-args", "--max-examples 10", "-q", "-p", "no:cacheprovider",
        f"--junitxml={junit}",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=kit_environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    counts = junit_counts(junit)
    assert counts["failure"] == counts["error"] == 0 and counts["tests"] >= 50, counts


def test_unreachable_target_is_exit_2_with_one_line(tmp_path: Path) -> None:
    with serve_in_thread(Settings(log_level="warning")) as running:
        closed = running.base_url  # a port that was just freed: nothing listens there any more
    code, output = run_in_process("--base-url", closed)
    assert code == 2
    assert output.count("\n") == 1 and output.startswith("conformance: error: target unreachable: " + closed)


def test_usage_errors_are_exit_2() -> None:
    assert run_in_process()[0] == 2
    code, output = run_in_process("--base-url", "https://staging.example.com", "--api", "klayrai")
    assert code == 2 and "--klayrai-key (or KLAYRAI_API_KEY) is required to test klayrai" in output
    assert run_in_process("--base-url", "http://127.0.0.1:1", "--phases", "warp")[0] == 2


def test_missing_optional_credentials_skip_their_rules_with_a_reason(mock: RunningMock) -> None:
    args = ("--base-url", mock.base_url, "--no-mock-defaults", "--klayrai-key", BIG_KEY, "--api", "klayrai")
    code, output = run_in_process(*args, "--phases", "probes", "--rules", "klayrai.plan", "--rules", "klayrai.tenant*")
    assert code == 0, output
    assert "skipped: klayrai.plan: needs --klayrai-key-lower-plan (or KLAYRAI_API_KEY_LOWER_PLAN)" in output
    assert "skipped: klayrai.tenant_isolation: needs --klayrai-key-other (or KLAYRAI_API_KEY_OTHER)" in output


def non_loopback_url(mock: RunningMock) -> str:
    """`0.0.0.0` reaches a local listener on Linux, but is not a loopback address: a stand-in for a remote host."""
    url = mock.base_url.replace("127.0.0.1", "0.0.0.0")
    try:
        httpx.get(url + "/v1/accounts", timeout=2)
    except httpx.HTTPError:
        pytest.skip("0.0.0.0 does not reach a local listener on this machine")
    return url


def test_a_non_loopback_target_gets_no_post_without_allow_writes(mock: RunningMock) -> None:
    url = non_loopback_url(mock)
    args = ("--base-url", url, "--api", "meta", "--graph-token", TOKEN, "--graph-business", AGENCY, "--max-rps", "500")
    code, output = run_in_process(*args, "--phases", "probes,examples,fuzzing", "--max-examples", "5")
    assert code == 0, output
    assert "writes off (read-only)" in output
    assert "skipped: graph.create_then_list: sends POST requests" in output
    assert [e for e in mock.journal(limit=1000) if e["method"] == "POST"] == []
    one_post_rule = ("--phases", "probes", "--rules", "graph.create_missing_account")
    code, output = run_in_process(*args, *one_post_rule, "--allow-writes")
    assert code == 0, output
    assert [e for e in mock.journal(limit=1000) if e["method"] == "POST"]


def test_rate_limits_are_waited_out(mock: RunningMock) -> None:
    mock.limit(2, 1.0, operation="listAccounts")
    client = ProbeClient(timeout=5, max_rps=None)
    try:
        answers = [client.get(mock.base_url + "/v1/accounts", headers={"x-api-key": BIG_KEY}) for _ in range(4)]
    finally:
        client.close()
    assert [answer.status for answer in answers] == [200] * 4
    limited = [exchange for exchange in client.journal if exchange.status == 429]
    assert limited and all(exchange.header("retry-after") for exchange in limited)


def test_read_only_on_loopback_says_read_only_run(mock: RunningMock) -> None:
    args = ("--base-url", mock.base_url, "--api", "meta", "--phases", "probes", "--rules", "graph.duplicate_create")
    code, output = run_in_process(*args, "--read-only")
    assert code == 0, output
    assert "skipped: graph.duplicate_create: sends POST requests: read-only run (--read-only)" in output
    assert "not loopback" not in output


@pytest.mark.parametrize(
    "args",
    [
        ("--api", "klayrai"),
        ("--api", "meta"),
        ("--api", "meta", "--read-only"),
        ("--api", "klayrai", "--phases", "stateful"),
    ],
    ids=["klayrai", "meta", "meta-read-only", "klayrai-stateful-only"],
)
def test_a_run_of_one_api_or_some_phases_passes_against_the_mock(mock: RunningMock, args: tuple[str, ...]) -> None:
    """Both APIs with the default phases: `test_default_run_via_the_cli_passes_within_the_ci_budget`. Without the
    Graph POST, the operations tested have no link between them: the stateful phase is left out, not an error."""
    code, output = run_in_process("--base-url", mock.base_url, *args, "--budget", str(LOADED_MACHINE_BUDGET))
    assert code == 0, output
    assert "ERRORS OF THE KIT" not in output and "RESULT: the target conforms (exit 0)" in output


PROBES_OF_ONE_KEY = ("--no-mock-defaults", "--klayrai-key", BIG_KEY, "--api", "klayrai", "--phases", "probes")


def test_fail_on_skip_fails_a_run_that_skipped_a_rule_and_names_it_with_why(mock: RunningMock) -> None:
    args = (
        "--base-url",
        mock.base_url,
        *PROBES_OF_ONE_KEY,
        "--rules",
        "klayrai.plan",
        "--rules",
        "klayrai.pagination.walk",
    )
    code, output = run_in_process(*args)
    assert code == 0, output  # skipped is not failed, unless asked
    assert "1 rules run (1 passed, 0 failed), 1 skipped, 0 kit errors" in output
    assert "skipped: klayrai.plan: needs --klayrai-key-lower-plan (or KLAYRAI_API_KEY_LOWER_PLAN)" in output
    code, output = run_in_process(*args, "--fail-on-skip")
    assert code == 1, output
    assert "REQUIRED BUT NOT JUDGED (--require-rules, --fail-on-skip):" in output
    assert "  klayrai.plan: skipped: needs --klayrai-key-lower-plan (or KLAYRAI_API_KEY_LOWER_PLAN)" in output
    assert "RESULT: 0 rules violated, 1 required rules not judged (exit 1)" in output


def test_require_rules_names_each_required_rule_that_did_not_run_and_why(mock: RunningMock, tmp_path: Path) -> None:
    junit = tmp_path / "required.xml"
    args = ("--base-url", mock.base_url, *PROBES_OF_ONE_KEY, "--rules", "klayrai.p*", "--junit", str(junit))
    required = ("--require-rules", "klayrai.plan,klayrai.pagination.*", "--require-rules", "klayrai.tenant_isolation")
    code, output = run_in_process(*args, *required)
    assert code == 1, output
    unmet = output.split("REQUIRED BUT NOT JUDGED (--require-rules, --fail-on-skip):\n", 1)[1].split("\n\n", 1)[0]
    assert unmet.splitlines() == [
        "  klayrai.plan: skipped: needs --klayrai-key-lower-plan (or KLAYRAI_API_KEY_LOWER_PLAN)",
        "  klayrai.tenant_isolation: no rule of this run matches it (left out by --api or --rules)",
    ]
    case = next(case for case in ET.parse(junit).getroot().iter("testcase") if case.get("name") == "required_rules")
    failure = case.find("failure")
    assert failure is not None and "klayrai.plan: skipped" in (failure.text or "")


def test_require_rules_pass_when_every_required_rule_ran(mock: RunningMock) -> None:
    args = ("--base-url", mock.base_url, *PROBES_OF_ONE_KEY, "--rules", "klayrai.pagination.*")
    code, output = run_in_process(*args, "--require-rules", "klayrai.pagination.*", "--fail-on-skip")
    assert code == 0, output
    assert "REQUIRED BUT NOT JUDGED" not in output


def test_a_required_glob_that_matches_no_rule_of_the_kit_is_a_usage_error() -> None:
    code, output = run_in_process(
        "--base-url", "http://127.0.0.1:1", "--require-rules", "klayrai.pagination.*,klayrai.nope"
    )
    assert code == 2
    assert (
        output
        == "conformance: error: --require-rules 'klayrai.nope' matches no rule of the kit (see `conformance rules`)\n"
    )
