"""`--version` of both commands: the installed package's version and the contract's `info.version`."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable

import pytest
import yaml
from klayrai_conformance.cli import main as conformance_main

from mockserver.cli import main as mockserver_main
from tests.paths import ROOT


@pytest.mark.parametrize(("prog", "main"), [("mockserver", mockserver_main), ("conformance", conformance_main)])
def test_version_names_the_package_and_the_contract(
    prog: str, main: Callable[[list[str]], int], capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["--version"])
    except SystemExit as exited:  # `mockserver` lets argparse exit; `conformance` returns argparse's exit code
        code = int(exited.code or 0)
    assert code == 0
    package = importlib.metadata.version("klayrai-contract-kit")
    contract = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))["info"]["version"]
    assert capsys.readouterr().out == f"{prog} {package} (contract openapi.yaml {contract})\n"
