"""A run stays within its time budget whatever the target does, and what the target did below HTTP is a finding:
a connection closed without an answer (`transport.connection_dropped`), no answer in time (`transport.timeout`),
each with its request as curl; a run the budget cut short says so in the summary and in JUnit (exit 3 when
nothing was violated). The targets are the mock behind a misbehaving TCP front (tests/faulty/transport.py).

The bound is the mechanism under test, so these tests time the run, with slack for a loaded machine; they use a
small `--budget` to stay cheap, and one runs the `ci` profile's default bound end to end, as CI would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.faulty.transport import answers_slowly, drops_on_some_inputs, hangs_on_some_inputs, serve_behind_front
from tests.kit.test_faulty import junit_results, run_kit
from tests.paths import ROOT

BUDGET = 15
SLACK_SECONDS = 10  # imports, the report, a loaded machine: the budget itself is enforced by the kit
CI_WALL_TIME = 60


def run_bounded(decide: object, tmp_path: Path) -> tuple[int, str, dict[str, tuple[str, str]], float]:
    junit = tmp_path / "bounded.xml"
    with serve_behind_front(decide) as url:  # type: ignore[arg-type]
        started = time.monotonic()
        code, output = run_kit(url, ("--budget", str(BUDGET)), junit)
        elapsed = time.monotonic() - started
    return code, output, junit_results(junit), elapsed


def test_a_connection_dropped_on_some_inputs_is_a_violation_with_its_curl(tmp_path: Path) -> None:
    code, output, results, elapsed = run_bounded(drops_on_some_inputs, tmp_path)
    assert code == 1, output
    outcome, text = results["transport.connection_dropped"]
    assert outcome == "failure", output
    assert "Server disconnected without sending a response" in text or "Connection aborted" in text
    assert "$ curl" in text and ("status=token_expired" in text or "summary=total_count" in text)
    assert not [name for name in results if name.startswith("error_")], output  # no error of the kit
    assert elapsed < BUDGET + SLACK_SECONDS, f"{elapsed:.1f} s"


def test_a_target_that_hangs_on_some_inputs_is_a_violation_and_the_run_ends_in_time(tmp_path: Path) -> None:
    code, output, results, elapsed = run_bounded(hangs_on_some_inputs, tmp_path)
    assert code == 1, output
    outcome, text = results["transport.timeout"]
    assert outcome == "failure" and "no HTTP response in time" in text and "$ curl" in text, output
    assert elapsed < BUDGET + SLACK_SECONDS, f"{elapsed:.1f} s"


def test_a_slow_target_is_cut_short_and_the_report_says_so(tmp_path: Path) -> None:
    code, output, results, elapsed = run_bounded(answers_slowly, tmp_path)
    assert code == 3, output
    assert f"CUT SHORT by the time budget ({BUDGET} s, --budget)" in output
    assert "(cut short by the time budget) (exit 3)" in output
    outcome, text = results["time_budget"]
    assert outcome == "error" and "cut short by the time budget" in text
    skipped = [text for outcome, text in results.values() if outcome == "skipped"]
    assert any("time budget ran out" in text for text in skipped)
    assert results["transport.timeout"][0] != "failure", "a slow answer within the timeout is not a timeout"
    assert elapsed < BUDGET + SLACK_SECONDS, f"{elapsed:.1f} s"


def test_the_ci_profile_ends_within_a_minute_against_a_hanging_target(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("KLAYRAI_", "GRAPH_", "CONFORMANCE_"))}
    with serve_behind_front(hangs_on_some_inputs) as url:
        command = [sys.executable, "-m", "klayrai_conformance", "run", "--base-url", url, "--profile", "ci"]
        started = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180)
        elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED  transport.timeout" in done.stdout
    assert elapsed < CI_WALL_TIME, f"the ci profile took {elapsed:.1f} s against a hanging target"
