"""The dashboard in Firefox: Debian's firefox-esr driven over WebDriver BiDi by puppeteer-core (pinned in
firefox/package-lock.json beside this file, installed by `npm ci`; it downloads no browser). firefox/dashboard.mjs
loads the page, sees the journal follow a request it makes, opens that row, adds a scenario from the form, sees the
API answer it, removes it, sees the API answer as before, and notes every request that leaves the mock's origin.
Off loopback it signs in with the admin token first and reloads. Skipped only when firefox-esr, node or npm is
absent (a failure in CI, where .ci/run installs them)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.settings import Settings
from mockserver.testing import RunningMock, serve_in_thread
from tests.conftest import DOC_KEY
from tests.real_parts import npm_install, require

FIREFOX_DIR = Path(__file__).parent / "firefox"
ADMIN_TOKEN = "s3cret-admin-token-0123456789"


@pytest.fixture(scope="module")
def firefox() -> str:
    found = require("firefox-esr")
    npm_install(FIREFOX_DIR)
    return found


@pytest.fixture(params=["loopback", "off loopback"])
def mock(request: pytest.FixtureRequest) -> Iterator[tuple[RunningMock, str | None]]:
    """The mock as bound to loopback, or as bound to every interface (its guard reads the host setting; the socket
    is 127.0.0.1's), with the admin token the page must send."""
    token = ADMIN_TOKEN if request.param == "off loopback" else None
    settings = Settings(host="0.0.0.0", admin_token=token) if token else Settings()
    with serve_in_thread(settings) as running:
        signed = RunningMock(running.base_url, running.app, token)
        try:
            yield signed, token
        finally:
            signed.close()


def test_the_dashboard_works_in_firefox(firefox: str, mock: tuple[RunningMock, str | None]) -> None:
    running, token = mock
    command = [require("node"), str(FIREFOX_DIR / "dashboard.mjs"), firefox, running.base_url, DOC_KEY]
    done = subprocess.run(
        [*command, *([token] if token else [])], capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {"opened": 401 if token else 200, "statuses": [200, 500, 200], "outside": [], "errors": []}
    assert [(entry["status"], entry["scenario"]) for entry in running.journal()] == [
        (200, None),
        (500, "down"),
        (200, None),
    ]
    assert running.admin.get("/scenarios").json()["scenarios"] == []
