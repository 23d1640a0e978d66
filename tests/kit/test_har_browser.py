"""HAR written by a real browser: headless Chromium (Debian's, driven by Playwright, which downloads nothing) loads a
page from another origin that reads both APIs of the mock, and records the traffic with `record_har_path`. The kit
judges that file (`conformance check`) and re-sends it (`conformance replay`) to fresh mocks.
"""

from __future__ import annotations

import base64
import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from klayrai_conformance.cli import main

from mockserver.contract.secrets import mask
from mockserver.testing import RunningMock, serve_in_thread
from tests.conftest import AGENCY, BIG_KEY, TOKEN
from tests.real_clients.test_browser import front_end  # noqa: F401  (tests/real_clients/browser/ on an origin of its own)
from tests.real_parts import CHROMIUM_ARGS, require


def conformance(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue() + err.getvalue()


@pytest.fixture(scope="module")
def recorded(
    tmp_path_factory: pytest.TempPathFactory,
    front_end: str,  # noqa: F811
    mockserver_session: RunningMock,
) -> Path:
    chromium = require("chromium")
    from playwright.sync_api import sync_playwright

    mockserver_session.reset()
    har = tmp_path_factory.mktemp("har") / "page.har"
    query = urlencode({"mock": mockserver_session.base_url, "key": BIG_KEY, "token": TOKEN, "business": AGENCY})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(record_har_path=str(har))
            page = context.new_page()
            page.goto(f"{front_end}/har_calls.html?{query}")
            page.wait_for_function("document.getElementById('result').textContent !== 'pending'", timeout=30_000)
            assert page.text_content("#result") == "done"
            context.close()  # writes the HAR
        finally:
            browser.close()
    return har


@pytest.fixture
def fresh_mock() -> Iterator[RunningMock]:
    with serve_in_thread() as running:
        yield running


def body_of(entry: dict[str, Any]) -> Any:
    content = entry["response"]["content"]
    text = content["text"]
    return json.loads(base64.b64decode(text) if content.get("encoding") == "base64" else text)


def test_a_browsers_recording_conforms(recorded: Path, tmp_path: Path) -> None:
    junit = tmp_path / "har.xml"
    code, output = conformance("check", str(recorded), "--junit", str(junit))
    assert code == 0, output
    assert "5 API entries judged, 1 other entries ignored" in output  # 2 KlayrAI pages, 3 Graph ones; and the page
    assert TOKEN not in output
    cases = junit.read_text()
    assert 'name="response.schema"' in cases and 'name="har.paging_continues"' in cases and "<failure" not in cases


def test_a_field_removed_from_a_recording_is_named(recorded: Path, tmp_path: Path) -> None:
    har = json.loads(recorded.read_text())
    broken = copy.deepcopy(har)
    entry = next(e for e in broken["log"]["entries"] if "/v1/accounts" in e["request"]["url"])
    body = body_of(entry)
    del body["data"][0]["currency"]
    entry["response"]["content"] = {"mimeType": "application/json", "text": json.dumps(body)}
    path = tmp_path / "broken.har"
    path.write_text(json.dumps(broken))
    code, output = conformance("check", str(path))
    assert code == 1, output
    failure = next(line for line in output.splitlines() if line.startswith("FAILED"))
    assert "response.schema" in failure and "GET http://" in failure and "data[0].currency" in failure
    assert BIG_KEY not in output


def test_one_apis_entries_are_judged_apart(recorded: Path) -> None:
    code, output = conformance("check", str(recorded), "--api", "klayrai")
    assert code == 0 and "2 API entries judged, 4 other entries ignored" in output, output


def test_a_replay_on_a_fresh_mock_is_equivalent(recorded: Path, fresh_mock: RunningMock, tmp_path: Path) -> None:
    code, output = conformance("replay", str(recorded), "--base-url", fresh_mock.base_url)
    assert code == 0, output
    assert "5 requests sent" in output
    masked = tmp_path / "masked.har"  # as a HAR is shared: credentials masked; the replay sends the target's
    masked.write_text(recorded.read_text().replace(BIG_KEY, mask(BIG_KEY)).replace(TOKEN, mask(TOKEN)))
    code, output = conformance("replay", str(masked), "--base-url", fresh_mock.base_url)
    assert code == 0 and "5 requests sent" in output, output


def test_a_replay_on_a_failing_mock_names_the_operation(recorded: Path, fresh_mock: RunningMock) -> None:
    fresh_mock.arm({"name": "broken", "operation": "listClientAdAccounts", "respond": {"code": 500}})
    code, output = conformance("replay", str(recorded), "--base-url", fresh_mock.base_url)
    assert code == 1, output
    differences = [line for line in output.splitlines() if line.startswith("DIFFERS")]
    assert differences and all("listClientAdAccounts /v25.0/" in line for line in differences)
    assert any("status: recorded 200, answered 500" in line for line in differences)
    assert any("error.code: recorded null, answered 1" in line for line in differences)
