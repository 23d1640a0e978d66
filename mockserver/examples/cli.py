"""`mockserver examples`: every payload validated against the schema of its operation and status before anything
is written (one invalid payload is a bug and writes nothing: exit 1), then a tree `<operationId>/<status>/<name>.<ext>`
or one document on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from jsonschema.exceptions import best_match

from mockserver.contract.operations import Operations
from mockserver.contract.spec import default_contract
from mockserver.errors import MockServerError
from mockserver.examples.documented import documented_payloads
from mockserver.examples.edges import edge_payloads
from mockserver.examples.payload import ExamplesError, Json, Payload
from mockserver.examples.realistic import realistic_payloads
from mockserver.settings import Settings
from mockserver.world import DEFAULT_SEED
from mockserver.world.writer import dump_yaml

KINDS = ("realistic", "edge", "all")


def check(operations: Operations, payloads: list[Payload]) -> None:
    """Every payload against its operation's response schema; raises ExamplesError naming the first bad one."""
    validators: dict[tuple[str, int], Any] = {}
    seen: set[str] = set()
    for payload in payloads:
        if payload.where in seen:
            raise ExamplesError(f"{payload.where}: two payloads have this name")
        seen.add(payload.where)
        key = (payload.operation, payload.status)
        if key not in validators:
            response = operations[payload.operation].responses.get(payload.status)
            if response is None:
                raise ExamplesError(f"{payload.where}: status {payload.status} is not documented for the operation")
            contract = operations.contract
            schema = contract.deref(response.definition["content"]["application/json"]["schema"])
            validators[key] = contract.validator(schema)
        error = best_match(validators[key].iter_errors(payload.value))
        if error is not None:
            raise ExamplesError(f"invalid payload {payload.where} (off-contract at {error.json_path}): {error.message}")


def document(payloads: list[Payload]) -> Json:
    """`{operationId: {status: {name: payload}}}`, every level sorted."""
    doc: Json = {}
    for payload in sorted(payloads, key=lambda p: (p.operation, p.status, p.name)):
        doc.setdefault(payload.operation, {}).setdefault(str(payload.status), {})[payload.name] = payload.value
    return doc


def encode(value: Any, fmt: str) -> bytes:
    if fmt == "yaml":
        return dump_yaml(value)
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_tree(out: Path, payloads: list[Payload], fmt: str) -> None:
    for payload in payloads:
        path = out / payload.operation / str(payload.status) / f"{payload.name}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode(payload.value, fmt))


def build_parser(operations: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver examples",
        description="Write example payloads for every operation and documented response status of openapi.yaml.",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"world and generator seed ({DEFAULT_SEED})")
    parser.add_argument("--size", type=int, help="accounts in the large workspace (the world's default)")
    parser.add_argument("--format", choices=("json", "yaml"), default="json", help="payload format (json)")
    parser.add_argument("--out", type=Path, help="directory for <operationId>/<status>/<name>.<ext> (default: stdout)")
    parser.add_argument("--operation", action="append", choices=operations, help="only this operation (repeatable)")
    parser.add_argument(
        "--kind",
        choices=KINDS,
        default="all",
        help="realistic (the mock's answers and the contract's examples), edge, or all (all)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """CLI: generate, validate every payload, then write the tree (or the stdout document); 1 if one is invalid."""
    table = Operations.compile(default_contract())
    args = build_parser(sorted(op.operation_id for op in table)).parse_args(argv)
    if args.size is not None and args.size < 1:
        print("examples: --size must be >= 1", file=sys.stderr)
        return 2
    operations = sorted(set(args.operation or (op.operation_id for op in table)))
    payloads: list[Payload] = []
    try:
        if args.kind in ("realistic", "all"):
            payloads += realistic_payloads(Settings(seed=args.seed, size=args.size), operations)
            payloads += documented_payloads(table, operations)
        if args.kind in ("edge", "all"):
            payloads += edge_payloads(table, args.seed, operations)
        check(table, payloads)
    except ExamplesError as exc:
        print(f"examples: {exc}", file=sys.stderr)
        return 1
    except MockServerError as exc:
        print(f"examples: {exc}", file=sys.stderr)
        return 2
    if args.out is None:
        sys.stdout.buffer.write(encode(document(payloads), args.format))
        sys.stdout.buffer.flush()
    else:
        write_tree(args.out, payloads, args.format)
        print(f"examples: wrote {len(payloads)} payloads under {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
