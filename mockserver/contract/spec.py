"""The contract, `openapi.yaml`, loaded once and indexed by operationId.

Everything else in the project (mock, fixtures, examples, conformance kit) reads the contract through this module,
so that the join key is always the operationId and no module parses the YAML on its own.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from mockserver.resources import SPEC_PATH

if TYPE_CHECKING:
    from jsonschema import FormatChecker
    from openapi_schema_validator import OAS30Validator

FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses the contract ~10x faster
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Json = dict[str, Any]


def _is_absolute_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


@dataclass(frozen=True)
class Example:
    """A named example of one documented response."""

    name: str
    status: int
    media_type: str
    schema: Json
    value: Any


@dataclass(frozen=True)
class OperationDefinition:
    operation_id: str
    method: str
    path: str
    definition: Json

    @property
    def tags(self) -> list[str]:
        return list(self.definition.get("tags", []))


class Contract:
    """The parsed spec with `$ref` resolution and per-operation views."""

    def __init__(self, spec: Json, path: Path | None = None) -> None:
        self.spec = spec
        self.path = path
        self.operations: dict[str, OperationDefinition] = {op.operation_id: op for op in self._iter_operations()}

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> Contract:
        with path.open(encoding="utf-8") as fh:
            return cls(yaml.load(fh, Loader=FAST_LOADER), path)

    def _iter_operations(self) -> Iterator[OperationDefinition]:
        for path, item in self.spec.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                definition = dict(item[method])
                definition["parameters"] = [*shared, *definition.get("parameters", [])]
                yield OperationDefinition(definition.get("operationId", ""), method.upper(), path, definition)

    def resolve(self, node: Any) -> Any:
        """Follow `$ref` chains at the top of `node` (local references only)."""
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local references are supported, got {ref!r}")
            target: Any = self.spec
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def deref(self, node: Any) -> Any:
        """A copy of `node` with every `$ref` replaced by its target (the contract has no recursive schemas)."""
        node = self.resolve(node)
        if isinstance(node, dict):
            return {key: self.deref(value) for key, value in node.items()}
        if isinstance(node, list):
            return [self.deref(item) for item in node]
        return node

    def parameters(self, operation_id: str) -> list[Json]:
        return [self.deref(p) for p in self.operations[operation_id].definition["parameters"]]

    def responses(self, operation_id: str) -> dict[str, Json]:
        return {
            status: self.resolve(response)
            for status, response in self.operations[operation_id].definition.get("responses", {}).items()
        }

    def examples(self, operation_id: str) -> dict[str, Example]:
        """Every named example of every response of the operation, by name."""
        found: dict[str, Example] = {}
        for status, response in self.responses(operation_id).items():
            found.update(self.response_examples(response, int(status)))
        return found

    def response_examples(self, response: Json, status: int) -> dict[str, Example]:
        found: dict[str, Example] = {}
        for media_type, content in self.resolve(response).get("content", {}).items():
            schema = self.deref(content.get("schema", {}))
            for name, example in content.get("examples", {}).items():
                value = self.resolve(example)["value"]
                found[name] = Example(name, status, media_type, schema, value)
        return found

    @staticmethod
    def validator(schema: Json) -> OAS30Validator:
        """A JSON Schema validator for an OpenAPI 3.0 schema (already dereferenced), formats checked.

        openapi-schema-validator is imported here, not at start-up: only the tools and tests use it."""
        from openapi_schema_validator import OAS30Validator

        return OAS30Validator(schema, format_checker=format_checker())


@functools.cache
def format_checker() -> FormatChecker:
    """OpenAPI 3.0's format checker plus `uri` (absolute URLs), which it lacks."""
    from openapi_schema_validator import oas30_format_checker

    checker = copy.deepcopy(oas30_format_checker)
    checker.checks("uri")(_is_absolute_uri)
    return checker


@functools.cache
def default_contract() -> Contract:
    return Contract.load()
