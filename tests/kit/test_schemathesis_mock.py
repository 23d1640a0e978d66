"""schemathesis against the running mock, as a user would run it: every phase (examples, coverage, fuzzing with
positive and negative data, stateful), every check, the default world's credentials. A CI-sized run; raise
ST_MAX_EXAMPLES for a deeper one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.contract.spec import SPEC_PATH
from mockserver.testing import RunningMock
from tests.conftest import BIG_KEY, TOKEN
from tests.paths import ROOT

CONFIG = ROOT / "conformance" / "klayrai_conformance" / "schemathesis.toml"
MAX_EXAMPLES = os.environ.get("ST_MAX_EXAMPLES", "15")
CREDENTIALS = {
    "KLAYRAI_API_KEY": BIG_KEY,
    "GRAPH_ACCESS_TOKEN": TOKEN,
    "GRAPH_BUSINESS_ID": "1029384756",
}


def st(mockserver: RunningMock, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", str(SPEC_PATH),
               "--url", mockserver.base_url, "--seed", "7", "--workers", "2", "--max-examples", MAX_EXAMPLES,
               "--report", "junit", "--report-dir", str(tmp_path), *args]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env={**os.environ, **CREDENTIALS},
                          cwd=tmp_path)  # fmt: skip


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_schemathesis_finds_nothing_on_the_mock(mockserver: RunningMock, tmp_path: Path, mode: str) -> None:
    result = st(mockserver, tmp_path, "--mode", mode)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "No issues found" in result.stdout or " passed" in result.stdout
    assert list(tmp_path.glob("*.xml")), "a JUnit report is written"


def test_every_check_on_the_klayrai_api(mockserver: RunningMock, tmp_path: Path) -> None:
    """`--checks all` overrides the config's per-operation exclusions, which only concern Graph: on KlayrAI every
    built-in check applies as it is."""
    result = st(
        mockserver,
        tmp_path,
        "--checks",
        "all",
        "--include-tag",
        "KlayrAI Accounts",
        "--phases",
        "examples,coverage,fuzzing",
    )  # one read-only operation: nothing for a stateful phase
    assert result.returncode == 0, result.stdout[-6000:]
