"""Request parameters, parsed and checked from the contract's own parameter definitions.

One `ParameterParser` per operation is compiled at start-up. It turns raw query, header and path values into
typed values and reports the *first* fault in a given order, as a `ParamFault` that each API words in its own
envelope. Messages are derived from the schema, so they always state what the contract allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockserver.contract.spec import Contract

Json = dict[str, Any]


class ParamFault(Exception):
    """The first parameter fault of a request. `rule` says which kind: the APIs word some kinds specially."""

    def __init__(self, name: str, message: str, rule: str, value: str | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.rule = rule
        self.value = value


@dataclass(frozen=True)
class ParamSpec:
    name: str
    location: str
    required: bool
    schema: Json
    pattern: re.Pattern[str] | None = field(default=None, compare=False)
    item_pattern: re.Pattern[str] | None = field(default=None, compare=False)

    @classmethod
    def from_definition(cls, definition: Json) -> ParamSpec:
        schema = definition.get("schema", {})
        items = schema.get("items", {})
        return cls(
            name=definition["name"],
            location=definition["in"],
            required=bool(definition.get("required", False)),
            schema=schema,
            pattern=ecma_pattern(schema["pattern"]) if "pattern" in schema else None,
            item_pattern=ecma_pattern(items["pattern"]) if "pattern" in items else None,
        )

    def default(self) -> Any:
        return self.schema.get("default")

    def convert(self, raw: str) -> Any:
        """Raw string -> typed value checked against the schema; raises ParamFault."""
        kind = self.schema.get("type", "string")
        if kind == "array":
            items = [part.strip() for part in raw.split(",")] if raw.strip() else []
            for item in items:
                self._check_scalar(item, self.schema.get("items", {}), self.item_pattern)
            return list(dict.fromkeys(items))
        return self._check_scalar(raw, self.schema, self.pattern)

    def _check_scalar(self, raw: str, schema: Json, pattern: re.Pattern[str] | None) -> Any:
        kind = schema.get("type", "string")
        value: Any = raw
        if kind == "integer":
            if not re.fullmatch(r"[+-]?[0-9]{1,30}", raw.strip()):
                raise ParamFault(self.name, f"{self.name} must be {describe_range(schema)}", "type", raw)
            value = int(raw)
            if not in_range(value, schema):
                raise ParamFault(self.name, f"{self.name} must be {describe_range(schema)}", "range", raw)
        if "enum" in schema and value not in schema["enum"]:
            allowed = ", ".join(str(v) for v in schema["enum"])
            raise ParamFault(self.name, f"{self.name} must be one of: {allowed}", "enum", raw)
        if kind == "string":
            if len(raw) < schema.get("minLength", 0):
                raise ParamFault(self.name, f"{self.name} must not be empty", "length", raw)
            if pattern is not None and not pattern.search(raw):
                raise ParamFault(self.name, f"{self.name} must match {pattern.pattern}", "pattern", raw)
        return value


def ecma_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a JSON Schema pattern; a final `$` means end of string there, not "before a final newline"."""
    return re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern)


def in_range(value: int, schema: Json) -> bool:
    return schema.get("minimum", value) <= value <= schema.get("maximum", value)


def describe_range(schema: Json) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"an integer between {low} and {high}"
    if low is not None:
        return f"an integer >= {low}"
    return "an integer"


class ParameterParser:
    """Parses one operation's query, header and path parameters in a fixed fault order."""

    def __init__(
        self,
        contract: Contract,
        operation_id: str,
        *,
        order: Sequence[str] = (),
        reject_unknown: bool = False,
        reject_repeated: bool = False,
        also_known: Iterable[str] = (),
    ) -> None:
        specs = [ParamSpec.from_definition(p) for p in contract.parameters(operation_id)]
        rank = {name: i for i, name in enumerate(order)}
        self.specs = sorted(specs, key=lambda s: rank.get(s.name, len(rank)))
        self.unknown_rank = rank.get("unknown", len(rank))
        self.reject_unknown = reject_unknown
        self.reject_repeated = reject_repeated
        self.query_names = {s.name for s in specs if s.location == "query"} | set(also_known)

    def parse(
        self,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        path_params: Mapping[str, str],
    ) -> Json:
        values: Json = {}
        by_name: dict[str, list[str]] = {}
        for name, value in query:
            by_name.setdefault(name, []).append(value)
        unknown = next((name for name in by_name if name not in self.query_names), None)
        for index, spec in enumerate(self.specs):
            if unknown is not None and self.reject_unknown and index == self.unknown_rank:
                self._unknown(unknown)
            raw = self._raw(spec, by_name, headers, path_params)
            if raw is None:
                if spec.required:
                    raise ParamFault(spec.name, f"{spec.name} is required", "required")
                values[spec.name] = spec.default()
            else:
                values[spec.name] = spec.convert(raw)
        if unknown is not None and self.reject_unknown:
            self._unknown(unknown)
        return values

    def _raw(
        self, spec: ParamSpec, by_name: dict[str, list[str]], headers: Mapping[str, str], path: Mapping[str, str]
    ) -> str | None:
        if spec.location == "header":
            return headers.get(spec.name)
        if spec.location == "path":
            return path.get(spec.name)
        given = by_name.get(spec.name)
        if not given:
            return None
        if len(given) > 1 and self.reject_repeated:
            raise ParamFault(spec.name, f"{spec.name} must be given once", "repeated", given[-1])
        return given[-1]

    def _unknown(self, name: str) -> None:
        allowed = ", ".join(sorted(self.query_names))
        raise ParamFault(name, f"Unknown query parameter '{name}'; allowed: {allowed}", "unknown", name)
