"""pytest fixtures for suites that need the mock (registered through the `pytest11` entry point).

    def test_my_client(mockserver):
        with mockserver.client() as http:
            ...
        mockserver.arm({"name": "slow", "operation": "listAccounts", "latency": 200})

`mockserver` is one real server per session on a free port, reset to its seed before every test. Override the
`mockserver_settings` fixture to choose seed, world, scenarios or latency. `mockserver_app` is the same mock
in-process, for `httpx.ASGITransport`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from mockserver.settings import Settings

if TYPE_CHECKING:  # the server's modules load only when a test asks for the mock
    from mockserver.http.app import MockApp
    from mockserver.testing import RunningMock


@pytest.fixture(scope="session")
def mockserver_settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def mockserver_session(mockserver_settings: Settings) -> Iterator[RunningMock]:
    from mockserver.testing import serve_in_thread

    with serve_in_thread(mockserver_settings) as running:
        yield running


@pytest.fixture
def mockserver(mockserver_session: RunningMock) -> RunningMock:
    mockserver_session.reset()
    return mockserver_session


@pytest.fixture
def mockserver_app(mockserver_settings: Settings) -> MockApp:
    from mockserver.http.app import create_app

    return create_app(mockserver_settings)
