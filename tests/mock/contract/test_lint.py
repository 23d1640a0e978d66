"""The contract passes Redocly's recommended rules (redocly.yaml turns off only what fidelity to real Graph needs),
with Redocly CLI pinned in redocly/package-lock.json beside this file and installed by the test with `npm ci`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.paths import ROOT
from tests.real_parts import npm_install, require

TOOL = Path(__file__).parent / "redocly"
CLI = TOOL / "node_modules" / "@redocly" / "cli" / "bin" / "cli.js"


def test_openapi_yaml_has_no_lint_error_or_warning() -> None:
    npm_install(TOOL)
    done = subprocess.run(
        [require("node"), str(CLI), "lint", "openapi.yaml", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    problems = [f"{p['ruleId']}: {p['message']}" for p in report["problems"]]
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}, problems
