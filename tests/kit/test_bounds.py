"""A run stays within its time budget and a bounded memory whatever the target does, and what the target did below
HTTP is a finding: a connection closed without an answer (`transport.connection_dropped`), no answer in time
(`transport.timeout`), an answer whose body is not complete by the exchange deadline (`transport.deadline`) or is
larger than the kit reads (`transport.body_too_large`), each with its request as curl; a run the budget cut short
says so in the summary and in JUnit (exit 3 when nothing was violated). The targets are the mock behind a
misbehaving TCP front (tests/faulty/transport.py).

The bound is the mechanism under test, so these tests time the run, with slack for a loaded machine; they use a
small `--budget` to stay cheap, and one runs the `ci` profile's default bound end to end, as CI would. The memory
bound is measured as the kit process' peak RSS."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from klayrai_conformance.bounded import DEFAULT_MAX_BODY_BYTES

from tests.faulty.transport import (
    FLOOD_BYTES,
    answers_slowly,
    drops_on_some_inputs,
    floods_every_answer,
    hangs_on_some_inputs,
    serve_behind_front,
    trickles_every_body,
)
from tests.kit.test_faulty import junit_results, run_kit
from tests.paths import ROOT

BUDGET = 15
SLACK_SECONDS = 10  # imports, the report, a loaded machine: the budget itself is enforced by the kit
CI_WALL_TIME = 60
SMALL_BUDGET = 10
MAX_RSS_MIB = 250  # the kit's own size (~80 MiB) and a few capped answers at once; far below one 300 MB answer
KILL_AFTER = 180  # a run that never ends fails the test instead of hanging it


@dataclass
class Done:
    code: int
    stdout: str
    elapsed: float  # wall time of the process, start-up included
    max_rss_mib: float

    @property
    def kit_seconds(self) -> float:
        """The run's own time, as its summary reports it (`... requests in 9.2 s`)."""
        found = re.search(r"requests in ([0-9.]+) s", self.stdout)
        assert found, self.stdout
        return float(found.group(1))


def watch_peak(pid: int, done: threading.Event, peaks: list[float]) -> None:
    """The process's own peak memory (VmHWM, MiB) until it exits. Not rusage's maxrss: Linux carries that across
    exec, so a child forked from a large pytest process would report the parent's size."""
    status = Path(f"/proc/{pid}/status")
    while not done.is_set():
        try:
            found = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
        except OSError:
            return
        if found:
            peaks.append(int(found.group(1)) / 1024)
        done.wait(0.05)


def run_cli(url: str, args: tuple[str, ...], tmp_path: Path) -> Done:
    """`conformance run` as a process of its own, with its wall time and its peak memory (`watch_peak`)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("KLAYRAI_", "GRAPH_", "CONFORMANCE_"))}
    command = [sys.executable, "-m", "klayrai_conformance", "run", "--base-url", url, *args]
    out_path = tmp_path / "stdout.txt"
    with out_path.open("w") as out:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT)
        killer = threading.Timer(KILL_AFTER, process.kill)
        killer.start()
        exited, peaks = threading.Event(), [0.0]
        watcher = threading.Thread(target=watch_peak, args=(process.pid, exited, peaks), daemon=True)
        watcher.start()
        _, status = os.waitpid(process.pid, 0)
        exited.set()
        watcher.join()
        killer.cancel()
        elapsed = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Done(process.returncode, out_path.read_text(), elapsed, max(peaks))


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
    with serve_behind_front(hangs_on_some_inputs) as url:
        done = run_cli(url, ("--profile", "ci"), tmp_path)
    assert done.code == 1, done.stdout
    assert "FAILED  transport.timeout" in done.stdout
    assert done.elapsed < CI_WALL_TIME, f"the ci profile took {done.elapsed:.1f} s against a hanging target"


def test_a_body_trickled_past_the_deadline_is_a_finding_and_the_run_ends_within_its_budget(tmp_path: Path) -> None:
    with serve_behind_front(trickles_every_body) as url:
        done = run_cli(url, ("--budget", str(SMALL_BUDGET), "--timeout", "2"), tmp_path)
    assert done.code == 1, done.stdout
    assert "FAILED  transport.deadline" in done.stdout
    assert "HTTP 200: answer not complete within 2 s (--deadline)" in done.stdout and "$ curl" in done.stdout
    assert done.kit_seconds <= SMALL_BUDGET, done.stdout
    assert done.elapsed < SMALL_BUDGET + SLACK_SECONDS, f"{done.elapsed:.1f} s"


def test_a_huge_answer_is_a_finding_naming_its_size_and_the_kit_memory_stays_bounded(tmp_path: Path) -> None:
    with serve_behind_front(floods_every_answer) as url:
        done = run_cli(url, ("--budget", str(SMALL_BUDGET)), tmp_path)
    assert done.code == 1, done.stdout
    assert "FAILED  transport.body_too_large" in done.stdout
    assert f"HTTP 200: answer larger than {DEFAULT_MAX_BODY_BYTES} bytes (--max-body-bytes)" in done.stdout
    assert done.max_rss_mib < MAX_RSS_MIB, f"{done.max_rss_mib:.0f} MiB for answers of {FLOOD_BYTES >> 20} MiB"
    assert done.elapsed < SMALL_BUDGET + SLACK_SECONDS, f"{done.elapsed:.1f} s"


def test_a_declared_length_over_the_cap_is_named(tmp_path: Path) -> None:
    with serve_behind_front(answers_slowly) as url:  # the mock's own answers, each with its Content-Length
        args = (
            "--api",
            "klayrai",
            "--phases",
            "probes",
            "--rules",
            "klayrai.pagination.walk",
            "--rules",
            "transport.*",
        )
        args += ("--max-body-bytes", "100")
        done = run_cli(url, args, tmp_path)
    assert done.code == 1, done.stdout
    assert re.search(r"answer larger than 100 bytes \(--max-body-bytes\): Content-Length \d+ bytes", done.stdout)
