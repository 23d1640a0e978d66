"""Shared test fixtures: the default world's credentials, and the mock on a real socket (the project's own pytest
plugin, `mockserver`) or in-process (`asgi`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from mockserver.http.app import MockApp, create_app
from mockserver.settings import Settings
from mockserver.world.credentials import AGENCY_BUSINESS_ID, API_KEYS, GRAPH_TOKENS, OTHER_AGENCY_BUSINESS_ID
from tests.redis_server import RedisServer, redis_running

# The default world's credentials, by the names the tests use (read from the world, never retyped).
DOC_KEY = API_KEYS["demo"]
BIG_KEY = API_KEYS["agency"]
STARTER_KEY = API_KEYS["starter"]
REVOKED_KEY = API_KEYS["revoked"]
OTHER_KEY = API_KEYS["other"]
TOKEN = GRAPH_TOKENS["agency"]
EXPIRED_TOKEN = GRAPH_TOKENS["expired"]
NOPERM_TOKEN = GRAPH_TOKENS["no_permission"]
OTHER_TOKEN = GRAPH_TOKENS["other_agency"]
AGENCY = AGENCY_BUSINESS_ID
OTHER_AGENCY = OTHER_AGENCY_BUSINESS_ID
EDGE = f"/v25.0/{AGENCY}/client_ad_accounts"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def app() -> MockApp:
    return create_app(Settings())


@pytest.fixture
async def asgi(app: MockApp) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client wired to the mock in-process (no socket)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as client:
        yield client


@pytest.fixture
def http(mockserver) -> httpx.Client:  # type: ignore[no-untyped-def]
    """An httpx client on the session's real mock server, reset to its seed before the test."""
    with mockserver.client() as client:
        yield client


# ---- the behaviour suites run against both state backends

SHARED_STATE_SUITES = ("test_klayrai", "test_graph_edge", "test_controls")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The suites that pin the APIs' behaviour run once in memory and once on Redis (the same tests)."""
    if "state_backend" in metafunc.fixturenames and metafunc.module.__name__.rpartition(".")[2] in SHARED_STATE_SUITES:
        metafunc.parametrize("state_backend", ["memory", "redis"], indirect=True, scope="session")


@pytest.fixture(scope="session")
def state_backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "memory")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real Redis for the session (skips when redis-server is absent)."""
    with redis_running(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def mockserver_settings(state_backend: str, request: pytest.FixtureRequest) -> Settings:
    """The session's mock: in memory, or on the session's Redis for the suites' `redis` run."""
    if state_backend == "memory":
        return Settings()
    return Settings(state=request.getfixturevalue("redis_server").url())
