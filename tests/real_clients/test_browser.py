"""A real browser against the mock: headless Chromium loads a page from ANOTHER local origin that calls both APIs
with `fetch` and reads their response headers, and Swagger UI at /ui/ renders the contract's operations.

Chromium is Debian's (`/usr/bin/chromium`); these tests install nothing and skip when it is absent (CI installs the
`chromium` package). Each run uses a fresh profile and reads the page back with `--dump-dom` once virtual time has
passed (virtual time waits for pending network fetches).
"""

from __future__ import annotations

import functools
import html
import json
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from mockserver.contract.spec import default_contract
from mockserver.testing import RunningMock
from mockserver.world.credentials import POST_OUTCOMES
from tests.conftest import AGENCY, DOC_KEY, EDGE, TOKEN
from tests.real_parts import require

PAGES = Path(__file__).parent / "browser"
FLAGS = [
    "--headless",
    "--no-sandbox",  # as root, Chromium has no sandbox to use
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=15000",
]
DumpDom = Callable[[str], str]


@pytest.fixture(scope="module")
def dump_dom(tmp_path_factory: pytest.TempPathFactory) -> DumpDom:
    chromium = require("chromium")

    def dump(url: str) -> str:
        profile = tmp_path_factory.mktemp("chromium-profile")
        done = subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    return dump


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the test reads what matters from the page."""


@pytest.fixture(scope="module")
def front_end() -> Iterator[str]:
    """tests/real_clients/browser/ served on 127.0.0.1 and a free port of its own: an origin other than the mock's."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(PAGES)))
    thread = threading.Thread(target=server.serve_forever, name="front-end", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def page_result(dom: str) -> dict[str, Any]:
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found is not None, dom[:2000]
    return json.loads(html.unescape(found.group(1)))  # type: ignore[no-any-return]


def test_a_page_on_another_origin_calls_both_apis(
    dump_dom: DumpDom, front_end: str, mockserver: RunningMock, http: httpx.Client
) -> None:
    account = POST_OUTCOMES["confirmed"]
    assert http.post(EDGE, params={"access_token": TOKEN, "adaccount_id": account}).status_code == 200
    query = urlencode({"mock": mockserver.base_url, "key": DOC_KEY, "token": TOKEN, "business": AGENCY})
    assert not mockserver.base_url.startswith(front_end)  # another port: another origin
    result = page_result(dump_dom(f"{front_end}/cross_origin.html?{query}"))

    klayrai = result["klayrai"]  # sent only after a preflight: x-api-key is not a safelisted header
    assert klayrai["status"] == 200 and [a["id"] for a in klayrai["body"]["data"]] == ["act_001", "act_002"]
    assert re.fullmatch(r"req_[0-9a-f]+", klayrai["headers"]["x-request-id"])
    assert klayrai["headers"]["X-RateLimit-Remaining"].isdigit() and klayrai["headers"]["klayrai-version"]
    journal = mockserver.journal("listAccounts", 200)
    assert [e["trace"] for e in journal] == [klayrai["headers"]["x-request-id"]]
    error = result["klayrai_error"]
    assert error["status"] == 401 and error["body"]["error"]["request_id"] == error["headers"]["x-request-id"]

    graph = result["graph"]
    assert graph["status"] == 200 and graph["body"]["data"][0] == {"id": "act_123456789", "name": "Acme Corp - Main"}
    assert graph["headers"]["facebook-api-version"] == "v25.0" and graph["headers"]["x-fb-trace-id"]
    assert AGENCY in json.loads(graph["headers"]["X-Business-Use-Case-Usage"])

    assert result["admin_json"] == {"failed": "TypeError: Failed to fetch"}  # its preflight was refused
    assert result["admin_plain"] == "opaque"  # sent, answered 415, and nothing changed:
    listed = http.get(EDGE, params={"access_token": TOKEN, "limit": 500}).json()["data"]
    assert account in [node["id"] for node in listed] and mockserver.journal("listAccounts", 200)


def test_swagger_ui_renders_every_operation(dump_dom: DumpDom, mockserver: RunningMock) -> None:
    """The three of the seed pages and the batch (served at three paths)."""
    dom = dump_dom(f"{mockserver.base_url}/ui/")
    operations = re.findall(r'<div class="opblock opblock-(\w+)[^"]*" id="operations-[^"]+-(\w+)"', dom)
    contract = default_contract().operations.values()
    assert sorted(operations) == sorted((op.method.lower(), op.operation_id) for op in contract)
    assert {"listAccounts", "listClientAdAccounts", "createClientAdAccount"} <= {name for _, name in operations}
    assert "/v1/accounts" in dom and "/{graph_version}/{business_id}/client_ad_accounts" in html.unescape(dom)
