"""Real answers as example payloads (`--record DIR`), and the check of such a folder against the contract.

The layout is `mockserver examples`': `<operationId>/<status>/<name>.json`, the body alone, indented. One file per
distinct exchange: its operation, its status, and a digest of its normalised request (query pairs sorted, plus a
POST's body parameters; credentials left out), so repeating a request records nothing new. Credentials are masked
wherever the body repeats them (Graph paging links carry the token and `appsecret_proof`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockserver.contract.secrets import SECRET_PARAMS
from mockserver.contract.spec import Contract, default_contract
from mockserver.contract.validation import body_problems, compile_response
from mockserver.proxy.kit import Exchange

PREFIX = "recorded_"


def request_digest(exchange: Exchange) -> str:
    pairs = [(k, v) for k, v in exchange.query if k not in SECRET_PARAMS]
    if exchange.method == "POST":
        for key, value in exchange.body_params().items():
            if key not in SECRET_PARAMS:
                pairs.append((key, json.dumps(value, sort_keys=True)))
    text = "&".join(f"{k}={v}" for k, v in sorted(pairs))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class Recorder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.seen: set[Path] = set()

    def record(self, operation_id: str, exchange: Exchange, mask: Callable[[str], str]) -> Path | None:
        """Write the exchange's body as an example unless one like it is already there; None when nothing new."""
        path = self.root / operation_id / str(exchange.status) / f"{PREFIX}{request_digest(exchange)}.json"
        if path in self.seen or path.exists():
            self.seen.add(path)
            return None
        try:
            value = json.loads(mask(exchange.body.decode("utf-8")))
        except (ValueError, UnicodeDecodeError):
            return None  # not JSON: no example to make of it (the exchange is reported as a violation anyway)
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
