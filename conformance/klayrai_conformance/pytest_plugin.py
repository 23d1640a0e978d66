"""pytest front end of the kit: one run per session, one test per rule.

    pytest --pyargs klayrai_conformance.suite --base-url URL [--conformance-args "..."]

`--conformance-args` takes any flags of `conformance run` (`--api klayrai --profile deep ...`), and the
same environment variables apply (KLAYRAI_API_KEY, GRAPH_ACCESS_TOKEN, ...). Without `-p`, `CONFORMANCE_BASE_URL`
and `CONFORMANCE_ARGS` do the same. pytest's own `--junitxml` gives the CI report.
"""

from __future__ import annotations

import contextlib
import os
import shlex
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the kit loads only when a test asks for its report: cheap as an always-on plugin
    from klayrai_conformance.report import Report


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "conformance kit (python -m klayrai_conformance run)")
    with contextlib.suppress(ValueError):  # pytest-base-url defines it already: share it
        group.addoption("--base-url", dest="base_url", default=None, help="base URL of the target")
    group.addoption(
        "--conformance-args", default=None, help="flags of `python -m klayrai_conformance run`, e.g. '--api klayrai'"
    )


def run_for(config: pytest.Config) -> Report:
    """Parse the options as the CLI would and run the kit once; a usage error ends the session with exit 2."""
    from klayrai_conformance.cli import UsageError, build_parser, target_from
    from klayrai_conformance.report import EXIT_USAGE
    from klayrai_conformance.runner import Unreachable, run

    base_url = _option(config, "base_url") or os.environ.get("CONFORMANCE_BASE_URL")
    extra = _option(config, "conformance_args") or os.environ.get("CONFORMANCE_ARGS", "")
    argv = ["run", *(["--base-url", base_url] if base_url else []), *shlex.split(extra)]
    try:
        args = build_parser().parse_args(argv)
        return run(target_from(args, dict(os.environ)))
    except SystemExit:
        pytest.exit(f"conformance: bad --conformance-args: {extra!r}", returncode=EXIT_USAGE)
    except (UsageError, Unreachable) as error:
        pytest.exit(f"conformance: error: {error}", returncode=EXIT_USAGE)


def _option(config: pytest.Config, name: str) -> str | None:
    try:
        value = config.getoption(name)
    except ValueError:  # the plugin was not loaded with -p: options come from the environment
        return None
    return str(value) if value else None


@pytest.fixture(scope="session")
def conformance_report(pytestconfig: pytest.Config) -> Report:
    return run_for(pytestconfig)
