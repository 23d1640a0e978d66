"""Shared test fixtures: the default world's credentials, and the mock on a real socket (the project's own pytest
plugin, `mockserver`) or in-process (`asgi`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import httpx
import pytest

from mockserver.app import MockApp, create_app
from mockserver.settings import Settings

DOC_KEY = "klyr_live_abc123def456ghi789"
BIG_KEY = "klyr_live_agency2bigworkspace01"
STARTER_KEY = "klyr_live_starterplan000000001"
REVOKED_KEY = "klyr_live_revokedkey0000000001"
OTHER_KEY = "klyr_test_otherworkspace00001"
TOKEN = "EAAGagency0valid0token"
EXPIRED_TOKEN = "EAAGagency0expired0token"
NOPERM_TOKEN = "EAAGagency0noperm0token"
OTHER_TOKEN = "EAAGother0agency0token"
AGENCY = "1029384756"
OTHER_AGENCY = "5550001111"
EDGE = f"/v25.0/{AGENCY}/client_ad_accounts"
DEBIAN_PACKAGE = {"redis-server": "redis-server", "chromium": "chromium", "node": "nodejs", "npm": "npm"}


def require(binary: str) -> str:
    """The path of a real part a test needs (redis-server, chromium, node, npm). On a developer's machine without it
    the test is skipped with the package to install; in CI (CI=true), where .ci/run installs it, it fails."""
    path = shutil.which(binary)
    if path:
        return path
    package = DEBIAN_PACKAGE.get(binary, binary)
    if os.environ.get("CI"):
        pytest.fail(f"{binary} is missing in CI: .ci/run installs the Debian package {package}")
    pytest.skip(f"{binary} is not installed here (apt-get install {package}); CI installs it and runs this test")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def app() -> MockApp:
    return create_app(Settings())


@pytest.fixture
async def asgi(app: MockApp) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client wired to the mock in-process (no socket)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as client:
        yield client


@pytest.fixture
def http(mockserver) -> httpx.Client:  # type: ignore[no-untyped-def]
    """An httpx client on the session's real mock server, reset to its seed before the test."""
    with mockserver.client() as client:
        yield client
