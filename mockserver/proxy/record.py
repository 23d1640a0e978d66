"""Real answers as example payloads (`--record DIR`), and the check of such a folder against the contract.

The layout is `mockserver examples`': `<operationId>/<status>/<name>.json`, the body alone, indented. One file per
documented answer: the name is `recorded_` and the contract's named example the answer is (by its status and error
identity, as coverage counts answers), or its error code when the contract names none; the first answer of each
is kept, so repeating traffic records nothing new. The body is the upstream's own, before the proxy points its
paging links at itself; credentials are masked wherever it repeats them (Graph paging links carry the token and
`appsecret_proof`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockserver.contract.responses import documented_responses, error_identity
from mockserver.contract.spec import Contract, default_contract
from mockserver.contract.validation import body_problems, compile_response
from mockserver.proxy.kit import Exchange

PREFIX = "recorded_"


UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def answer_name(contract: Contract, operation_id: str, status: int, body: Any) -> str:
    """The named example an answer is (`graph_190`, `default`, ...), else `error_<code>` or `answer`."""
    identity = error_identity(body)
    for response in documented_responses(contract, operation_id):
        if response.status == str(status) and (not response.identities or identity in response.identities):
            return response.example or (response.examples[0] if response.examples else "answer")
    if identity is not None:
        return "error_" + "_".join(str(part) for part in identity if part is not None)
    return "answer"


class Recorder:
    def __init__(self, root: Path, contract: Contract) -> None:
        self.root = root
        self.contract = contract
        self.seen: set[Path] = set()

    def record(self, operation_id: str, exchange: Exchange, mask: Callable[[str], str]) -> Path | None:
        """Write the upstream's answer as the named example it is, unless that one is already there; None when
        nothing new."""
        try:
            value = json.loads(mask(exchange.body.decode("utf-8")))
        except (ValueError, UnicodeDecodeError):
            return None  # not JSON: no example to make of it (the exchange is reported as a violation anyway)
        name = UNSAFE.sub("_", answer_name(self.contract, operation_id, exchange.status, value))[:80]
        path = self.root / operation_id / str(exchange.status) / f"{PREFIX}{name}.json"
        if path in self.seen or path.exists():
            self.seen.add(path)
            return None
        self.seen.add(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path


def validate_folder(root: Path, contract: Contract) -> tuple[int, list[str]]:
    """`(payloads checked, problems)` of a folder in the examples layout, every body against its operation and
    status in the contract."""
    compiled: dict[tuple[str, str], Any] = {}
    problems: list[str] = []
    files = sorted(root.glob("*/*/*.json"))
    for path in files:
        operation, status = path.parent.parent.name, path.parent.name
        where = path.relative_to(root).as_posix()
        responses = contract.responses(operation) if operation in contract.operations else None
        if responses is None:
            problems.append(f"{where}: {operation} is not an operation of the contract")
            continue
        if status not in responses:
            problems.append(f"{where}: status {status} is not documented for {operation}")
            continue
        if (operation, status) not in compiled:
            compiled[operation, status] = compile_response(contract, responses[status])
        problems += [f"{where}: {problem}" for problem in body_problems(compiled[operation, status], path.read_bytes())]
    return len(files), problems


def main(argv: list[str] | None = None) -> int:
    """`mockserver examples --validate DIR`: 0 when every payload conforms, 1 otherwise, 2 when none is found."""
    parser = argparse.ArgumentParser(
        prog="mockserver examples --validate", description="Check a folder of example payloads against the contract."
    )
    parser.add_argument("folder", type=Path, help="<operationId>/<status>/<name>.json, as --record writes it")
    args = parser.parse_args(argv)
    checked, problems = validate_folder(args.folder, default_contract())
    for problem in problems:
        print(problem, file=sys.stderr)
    if not checked:
        print(f"examples: no <operationId>/<status>/<name>.json under {args.folder}", file=sys.stderr)
        return 2
    print(f"examples: {checked} payloads checked, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0
