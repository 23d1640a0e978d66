"""What edge payloads are built with: values of the contract's schemas drawn by hypothesis
(`mockserver.contract.dynamic`), a few per schema and operation, drawn once with a seed derived from `--seed` and
the operation; each payload then picks among them with an RNG of its own, seeded by `--seed` and its name, so a
payload is the same whatever `--operation`/`--kind` selects. Also the texts and zones at the bounds that payloads
share."""

from __future__ import annotations

import copy
import hashlib
import random
from typing import Any

from mockserver.contract import dynamic
from mockserver.contract.operations import Operations
from mockserver.examples.payload import Json

DASH = "\u2013"  # an en dash, as people type in names
NON_ASCII = f"Café Müller {DASH} Ürün 東京 🚀"
LONG = 255
# IANA zones at both ends of the UTC offsets, with their offset (Graph's `timezone_offset_hours_utc`).
ZONES = (
    ("Etc/GMT+12", -12.0),
    ("America/St_Johns", -3.5),
    ("Europe/London", 0.0),
    ("Asia/Kolkata", 5.5),
    ("Asia/Tokyo", 9.0),
    ("Pacific/Kiritimati", 14.0),
)
CURRENCIES = ("EUR", "USD", "GBP", "JPY", "BRL", "INR")


class Pools:
    """Drawn values of one operation, a few per schema, drawn once: hypothesis costs ~20 ms a value."""

    size = 3

    def __init__(self, operations: Operations, seed: int, operation: str) -> None:
        self.operations = operations
        self.contract = operations.contract
        self.prefix = f"{seed}/{operation}"
        self.drawn: dict[str, list[Any]] = {}

    def get(self, key: str, schema: Json) -> list[Any]:
        if key not in self.drawn:
            digest = hashlib.sha256(f"{self.prefix}/{key}".encode()).digest()
            many = {"type": "array", "items": schema, "minItems": self.size, "maxItems": self.size}
            self.drawn[key] = dynamic.draw(many, int.from_bytes(digest[:6], "big"))
        return self.drawn[key]


class Gen:
    """What one edge payload is built with: the compiled contract, its operation's drawn values, and an RNG of its
    own."""

    def __init__(self, pools: Pools, where: str) -> None:
        self.pools = pools
        self.operations = pools.operations
        self.contract = pools.contract
        self.rng = random.Random(hashlib.sha256(f"{pools.prefix}/{where}".encode()).digest())

    def schema(self, name: str) -> Json:
        return self.contract.deref({"$ref": f"#/components/schemas/{name}"})

    def param(self, operation: str, name: str) -> Json:
        return next(spec.schema for spec in self.operations[operation].parameters.specs if spec.name == name)

    def draw(self, name: str, every_property: bool = False) -> Any:
        """A drawn value of a component schema (`GraphError.error` for the inner object); with `every_property`,
        every optional property of the object is drawn too."""
        schema = self.schema(name.split(".")[0])
        for part in name.split(".")[1:]:
            schema = schema["properties"][part]
        if every_property:
            schema = {**schema, "required": list(schema.get("properties", {}))}
        pool = self.pools.get(f"{name}/{every_property}", schema)
        return copy.deepcopy(pool[self.rng.randrange(len(pool))])

    def ids(self, count: int, low: int = 10**8, high: int = 10**15) -> list[str]:
        """`count` distinct digit strings, in ascending string order (the order pages are in)."""
        found: set[str] = set()
        while len(found) < count:
            found.add(str(self.rng.randrange(low, high)))
        return sorted(found)


def ordered(value: Json, schema: Json) -> Json:
    """The object's keys in the order of the schema's properties, as the contract lists them."""
    return {key: value[key] for key in schema["properties"] if key in value}


def long_text(seed_text: str, length: int = LONG) -> str:
    return (seed_text * (length // len(seed_text) + 1))[:length]
