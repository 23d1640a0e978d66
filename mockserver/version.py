"""`--version` of both commands: the installed package's version and the version of the contract it carries, since
a user reporting a difference between the mock, the kit and their backend needs both."""

from __future__ import annotations

import argparse
import importlib.metadata
from collections.abc import Sequence
from typing import Any

DISTRIBUTION = "klayrai-contract-kit"


def version_text(prog: str) -> str:
    """`mockserver 0.1.0 (contract openapi.yaml 1.0.0)`."""
    from mockserver.contract.spec import Contract

    try:
        package = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that was never installed
        package = "(not installed)"
    return f"{prog} {package} (contract openapi.yaml {Contract.load().spec['info']['version']})"


class VersionAction(argparse.Action):
    """Like argparse's `version` action, but reads the contract only when `--version` is asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        kwargs.setdefault("help", "print the package's and the contract's versions and exit")
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        print(version_text(parser.prog))  # on stdout, as argparse's own `version` action
        parser.exit()
