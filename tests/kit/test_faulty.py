"""The kit finds real bugs: each faulty server (tests/faulty/) is flagged, with the rule made for that bug, and the
finding itself shows this bug; the same runs pass on the clean mock, so the rule (not the setup) is the reason."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from klayrai_conformance.cli import main

from mockserver.http.app import MockApp, create_app
from mockserver.settings import Settings
from mockserver.testing import serve_in_thread
from tests.conftest import BIG_KEY, EXPIRED_TOKEN, NOPERM_TOKEN, OTHER_KEY, REVOKED_KEY, STARTER_KEY, TOKEN
from tests.faulty import FAULTS, GRAPH, TOLERATED, Fault
from tests.faulty.transport import drops_on_hostile_input, serve_behind_front
from tests.redis_server import RedisServer

SECRETS = (BIG_KEY, STARTER_KEY, OTHER_KEY, TOKEN, REVOKED_KEY, EXPIRED_TOKEN, NOPERM_TOKEN)


def run_kit(base_url: str, args: tuple[str, ...], junit: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "--base-url", base_url, *args, "--junit", str(junit)], out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def junit_results(path: Path) -> dict[str, tuple[str, str]]:
    """rule id -> (outcome, text of its failure/error/skip) from the kit's JUnit XML."""
    results = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        element = next(iter(case), None)
        text = "" if element is None else f"{element.get('message', '')}\n{element.text or ''}"
        results[case.get("name", "")] = ("passed" if element is None else element.tag, text)
    return results


def test_there_are_at_least_fifteen_distinct_faults() -> None:
    assert len(FAULTS) >= 15
    assert len({fault.name for fault in FAULTS}) == len(FAULTS)
    assert all(fault.description for fault in FAULTS)


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_the_kit_reports_the_fault_under_its_rule(fault: Fault, tmp_path: Path) -> None:
    junit = tmp_path / "conformance.xml"
    with serve_in_thread(app=fault.build()) as mock:
        code, output = run_kit(mock.base_url, fault.args, junit)
    assert code == 1, output
    results = junit_results(junit)
    outcome, text = results[fault.rule]
    assert outcome == "failure", f"{fault.rule} did not flag {fault.name}:\n{output}"
    assert fault.evidence in text, f"{fault.rule} failed, but not for this bug:\n{text}"
    assert f"FAILED  {fault.rule}" in output
    junit_text = junit.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in output and secret not in junit_text, "a credential was printed in full"


@pytest.mark.parametrize("args", sorted({fault.args for fault in FAULTS}), ids=lambda args: " ".join(args[:4]))
def test_the_same_runs_pass_on_the_clean_mock(args: tuple[str, ...], tmp_path: Path) -> None:
    with serve_in_thread(app=create_app(Settings(validate_responses=False, log_level="warning"))) as mock:
        code, output = run_kit(mock.base_url, args, tmp_path / "clean.xml")
    assert code == 0, output


@pytest.mark.parametrize("build", TOLERATED, ids=[build.__name__ for build in TOLERATED])
def test_what_the_contract_allows_passes(build: Callable[[], MockApp], tmp_path: Path) -> None:
    with serve_in_thread(app=build()) as server:
        code, output = run_kit(server.base_url, GRAPH, tmp_path / "tolerated.xml")
    assert code == 0, output


def test_a_connection_dropped_on_hostile_input_fails_both_hostile_input_rules(tmp_path: Path) -> None:
    junit = tmp_path / "hostile.xml"
    with serve_behind_front(drops_on_hostile_input) as url:
        code, output = run_kit(url, ("--phases", "probes", "--rules", "*.hostile_input"), junit)
    assert code == 1, output
    results = junit_results(junit)
    for rule in ("klayrai.hostile_input", "graph.hostile_input"):
        outcome, text = results[rule]
        assert outcome == "failure" and "no HTTP answer to hostile input (connection dropped)" in text, output


def test_a_batch_write_is_seen_by_the_next_item_on_the_mock_on_redis(redis_server: RedisServer, tmp_path: Path) -> None:
    """graph.batch.write_then_read judges the order of items, not a store: the mock on a real Redis passes it too."""
    junit = tmp_path / "redis.xml"
    with serve_in_thread(Settings(state=redis_server.url(), validate_responses=False, log_level="warning")) as mock:
        mock.reset()
        code, output = run_kit(
            mock.base_url, ("--api", "meta", "--phases", "probes", "--rules", "graph.batch.*"), junit
        )
    assert code == 0, output
    assert junit_results(junit)["graph.batch.write_then_read"][0] == "passed", output
