"""pytest fixtures for suites that need the mock (registered through the `pytest11` entry point).

    def test_my_client(mockserver):
        with mockserver.client() as http:
            ...
        mockserver.arm({"name": "slow", "operation": "listAccounts", "latency": 200})

`mockserver` is one real server per session on a free port, reset to its seed before every test. Override the
`mockserver_settings` fixture to choose seed, world, scenarios or latency. `mockserver_app` is the same mock
in-process, for `httpx.ASGITransport`.

At the end of a session that used the mock, the terminal summary shows the mock's coverage: the share of the
contract's documented responses the mock answered to the suite (gathered before each test's reset), and those it
never answered. `--mock-coverage-min PCT` fails the session below that share.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from mockserver.settings import Settings

if TYPE_CHECKING:  # the server's modules load only when a test asks for the mock
    from mockserver.http.app import MockApp
    from mockserver.testing import RunningMock

COVERAGE = pytest.StashKey[dict[str, Any]]()  # the mock's coverage of the session so far
MAX_LISTED = 20  # never-answered responses the summary lists


def percent(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not a percentage between 0 and 100")
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("mockserver").addoption(
        "--mock-coverage-min",
        type=percent,
        default=None,
        metavar="PCT",
        help="fail the session when the mock answered fewer than PCT%% of the contract's documented responses",
    )


@pytest.fixture(scope="session")
def mockserver_settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def mockserver_session(mockserver_settings: Settings, pytestconfig: pytest.Config) -> Iterator[RunningMock]:
    from mockserver.testing import serve_in_thread

    with serve_in_thread(mockserver_settings) as running:
        yield running
        gather(pytestconfig, running)


@pytest.fixture
def mockserver(mockserver_session: RunningMock, pytestconfig: pytest.Config) -> RunningMock:
    gather(pytestconfig, mockserver_session)  # the reset clears what the mock counted
    mockserver_session.reset()
    return mockserver_session


@pytest.fixture
def mockserver_app(mockserver_settings: Settings) -> MockApp:
    from mockserver.http.app import create_app

    return create_app(mockserver_settings)


def gather(config: pytest.Config, running: RunningMock) -> None:
    """Add what the mock answered since its last reset to the session's coverage."""
    from mockserver.controls.coverage import merged

    report, known = running.coverage(), config.stash.get(COVERAGE, None)
    config.stash[COVERAGE] = report if known is None else merged(known, report)


def below_minimum(config: pytest.Config) -> float | None:
    """The minimum asked for when the session's coverage is lower, else None."""
    report, minimum = config.stash.get(COVERAGE, None), config.getoption("mock_coverage_min")
    return minimum if report is not None and minimum is not None and report["summary"]["percent"] < minimum else None


def pytest_sessionfinish(session: pytest.Session) -> None:
    if below_minimum(session.config) is not None and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    report = config.stash.get(COVERAGE, None)
    if report is None:
        return
    from mockserver.contract.responses import never_seen

    summary, missing = report["summary"], never_seen(report)
    terminalreporter.section("mock coverage")
    terminalreporter.line(
        f"The mock answered {summary['seen']} of {summary['documented']} documented responses "
        f"({summary['percent']}%); answers to requests no operation serves: {report['outside']}."
    )
    if missing:
        terminalreporter.line("Never answered:")
        for line in missing[:MAX_LISTED]:
            terminalreporter.line(f"  {line}")
        if len(missing) > MAX_LISTED:
            terminalreporter.line(f"  ... and {len(missing) - MAX_LISTED} more")
    minimum = below_minimum(config)
    if minimum is not None:
        terminalreporter.line(f"FAILED: below --mock-coverage-min {minimum:g}%", red=True)
