"""The contract compiled once: one table keyed by operationId.

Per operation: its method and path template, a matcher that extracts the path parameters, its parameter parser,
the credentials its security asks for, whose error envelope applies (KlayrAI's or Graph's), its documented
responses with their named examples, and, in the mock, the behaviour registered for it. The mock routes with it,
the batch dispatches its items through it, the proxy judges traffic with it and the example generator reads it:
nothing else works routes out of `openapi.yaml`.

Behaviour is wired explicitly: each API module keeps a `Registry` its decorators fill (they only register), and the
mock hands the registries' bound handlers to `Operations.with_handlers`, which refuses a missing or unknown one.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver.contract.params import ParameterParser
from mockserver.contract.spec import Contract, Example

Json = dict[str, Any]
Handler = Callable[..., Any]

# KlayrAI's paths are under /v1; every other path is Graph's, whose first segment is a free version.
API_PREFIXES = (("klayrai", "/v1"),)
CATCH_ALL_API = "graph"
PARAMETER = re.compile(r"\{([^}]+)\}")
SEGMENT = "[^/\n]+"  # a path parameter: one segment; no route has a newline in it


@functools.lru_cache(maxsize=4096)
def api_of(path: str) -> str:
    """Which API's envelope answers a path, routed or not; asked on every request, and clients repeat their paths."""
    for name, prefix in API_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return name
    return CATCH_ALL_API


def path_pattern(template: str) -> re.Pattern[str]:
    """`/{graph_version}/{business_id}/x` -> a regex whose named groups are the path parameters."""
    parts = PARAMETER.split(template)
    return re.compile(
        "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>{SEGMENT})" for i, part in enumerate(parts))
    )


@dataclass(frozen=True)
class Response:
    """One documented response: its status, media types and named examples (in the contract's order)."""

    status: int
    definition: Json
    media_types: frozenset[str]
    examples: Mapping[str, Example]


@dataclass(frozen=True)
class Operation:
    """One operation, compiled: everything a request to it is routed, parsed and judged with."""

    operation_id: str
    method: str
    path: str
    api: str
    pattern: re.Pattern[str] = dataclasses.field(compare=False)
    parameters: ParameterParser = dataclasses.field(compare=False)
    security: tuple[tuple[Json, ...], ...]  # alternatives, each a list of schemes that must all be present
    header_names: tuple[str, ...]  # lowercased header parameters: what a kept answer varies by
    responses: Mapping[int, Response]
    definition: Json = dataclasses.field(compare=False)
    batch: bool = False  # a request of requests (`x-graph-batch`): its handler runs the items itself
    handler: Handler | None = dataclasses.field(default=None, compare=False)

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        return None if found is None else found.groupdict()

    def examples(self) -> dict[str, Example]:
        """Every named example of every response, by name (a later status's name wins, as in `Contract`)."""
        return {name: ex for response in self.responses.values() for name, ex in response.examples.items()}


@dataclass(frozen=True)
class Routed:
    """The outcome of a lookup: an operation and its path parameters, or why none (`allowed` non-empty: 405)."""

    operation: Operation | None
    path_params: dict[str, str]
    allowed: tuple[str, ...] = ()


class Operations:
    """Every operation of the contract, compiled, in the contract's order."""

    def __init__(self, contract: Contract, operations: Iterable[Operation]) -> None:
        self.contract = contract
        self.by_id: dict[str, Operation] = {op.operation_id: op for op in operations}
        self.by_api: dict[str, tuple[Operation, ...]] = {}
        for op in self.by_id.values():
            self.by_api[op.api] = (*self.by_api.get(op.api, ()), op)

    @classmethod
    def compile(cls, contract: Contract) -> Operations:
        return cls(contract, (compile_operation(contract, op_id) for op_id in contract.operations))

    def __getitem__(self, operation_id: str) -> Operation:
        return self.by_id[operation_id]

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.by_id.values())

    def __len__(self) -> int:
        return len(self.by_id)

    def route(self, method: str, path: str) -> Routed:
        """The operation of the path's API serving `method` at `path` (HEAD is GET), the first in the contract's
        order; else the methods the path allows (empty: no such path)."""
        wanted = "GET" if method == "HEAD" else method
        allowed: list[str] = []
        for op in self.by_api.get(api_of(path), ()):
            params = op.match(path)
            if params is None:
                continue
            if op.method == wanted:
                return Routed(op, params)
            allowed += [op.method, "HEAD"] if op.method == "GET" else [op.method]
        return Routed(None, {}, tuple(dict.fromkeys(allowed)))

    def with_handlers(self, handlers: Mapping[str, Handler]) -> Operations:
        """The same table with each operation's behaviour; every operation needs one, and only those."""
        unknown = sorted(set(handlers) - set(self.by_id))
        missing = sorted(set(self.by_id) - set(handlers))
        if unknown or missing:
            raise ValueError(f"handlers for unknown operations {unknown}, none for {missing}")
        return Operations(
            self.contract, (dataclasses.replace(op, handler=handlers[op_id]) for op_id, op in self.by_id.items())
        )


def compile_operation(contract: Contract, operation_id: str) -> Operation:
    source = contract.operations[operation_id]
    definition = source.definition
    schemes = contract.spec.get("components", {}).get("securitySchemes", {})
    security = tuple(
        tuple(contract.resolve(schemes[name]) for name in requirement)
        for requirement in definition.get("security", contract.spec.get("security", []))
    )
    parameters = contract.parameters(operation_id)
    return Operation(
        operation_id=operation_id,
        method=source.method,
        path=source.path,
        api=api_of(source.path),
        pattern=path_pattern(source.path),
        parameters=ParameterParser(
            contract,
            operation_id,
            order=definition.get("x-parameter-order", ()),
            reject_unknown=definition.get("x-unknown-query-parameters") == "reject",
            reject_repeated=definition.get("x-repeated-query-parameters") == "reject",
            also_known=[s["name"] for alternative in security for s in alternative if query_key(s)],
        ),
        security=security,
        header_names=tuple(p["name"].lower() for p in parameters if p["in"] == "header"),
        responses={
            int(status): documented_response(contract, int(status), response)
            for status, response in contract.responses(operation_id).items()
        },
        definition=definition,
        batch=bool(definition.get("x-graph-batch")),
    )


def documented_response(contract: Contract, status: int, response: Json) -> Response:
    return Response(
        status=status,
        definition=response,
        media_types=frozenset(media.lower() for media in response.get("content", {})),
        examples=types.MappingProxyType(contract.response_examples(response, status)),
    )


def query_key(scheme: Json) -> bool:
    return scheme.get("type") == "apiKey" and scheme.get("in") == "query"


# ---- credentials present (their validity is the API's call)


def carries(
    scheme: Json, query: Sequence[tuple[str, str]], headers: Mapping[str, str], body: Callable[[], Mapping[str, Any]]
) -> bool:
    """Whether a request carries a credential for one security scheme; `body` gives a form or JSON body's
    parameters (read only when asked: the contract lets a query key travel in the body too)."""
    if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
        return bool(headers.get(scheme["name"].lower()))
    if query_key(scheme):
        return any(value for name, value in query if name == scheme["name"]) or bool(body().get(scheme["name"]))
    if scheme.get("type") == "http" and scheme.get("scheme") == "bearer":  # Graph also takes `OAuth <token>`
        words = headers.get("authorization", "").split()
        return len(words) == 2 and words[0].lower() in ("bearer", "oauth")
    return True  # a scheme that cannot be seen from the request is given the benefit of the doubt


def credentials_present(
    op: Operation, query: Sequence[tuple[str, str]], headers: Mapping[str, str], body: Callable[[], Mapping[str, Any]]
) -> bool:
    """Whether one of the operation's security alternatives is wholly present (no security: always)."""
    return not op.security or any(all(carries(s, query, headers, body) for s in alt) for alt in op.security)


# ---- behaviour, registered by operationId


class Registry:
    """operationId -> a function of an API class; `@registry("listAccounts")` only registers."""

    def __init__(self) -> None:
        self.functions: dict[str, Handler] = {}

    def __call__(self, *operation_ids: str) -> Callable[[Handler], Handler]:
        def register(function: Handler) -> Handler:
            for operation_id in operation_ids:
                if operation_id in self.functions:
                    raise ValueError(f"two handlers for {operation_id}")
                self.functions[operation_id] = function
            return function

        return register

    def bind(self, owner: object) -> dict[str, Handler]:
        """The registered functions as methods of `owner`, by operationId."""
        return {op_id: types.MethodType(function, owner) for op_id, function in self.functions.items()}
