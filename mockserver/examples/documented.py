"""The contract's own named examples, verbatim (`contract_<name>`): they are documentation, and checked like the
rest."""

from __future__ import annotations

from mockserver.contract.operations import Operations
from mockserver.examples.payload import Payload


def documented_payloads(table: Operations, operations: list[str]) -> list[Payload]:
    return [
        Payload(operation, example.status, f"contract_{example.name}", example.value, "realistic")
        for operation in operations
        for example in table[operation].examples().values()
    ]
