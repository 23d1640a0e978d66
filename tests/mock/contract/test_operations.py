"""The compiled contract: one table by operationId, with routes, Allow, parsers, credentials and named examples."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from mockserver.contract.operations import (
    Operations,
    Registry,
    api_of,
    credentials_present,
)
from mockserver.contract.params import ParamFault
from mockserver.contract.spec import SPEC_PATH, default_contract
from tests.conftest import AGENCY, DOC_KEY, EDGE, TOKEN

TABLE = Operations.compile(default_contract())
RAW = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def spec_operations() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path), read from the YAML itself."""
    return {
        definition["operationId"]: (method.upper(), path)
        for path, item in RAW["paths"].items()
        for method, definition in item.items()
        if method in METHODS
    }


def test_every_operation_of_the_spec_is_in_the_table() -> None:
    assert {op.operation_id: (op.method, op.path) for op in TABLE} == spec_operations()
    assert [op.operation_id for op in TABLE] == list(spec_operations())  # the contract's order
    assert {op.operation_id: op.api for op in TABLE} == {
        "listAccounts": "klayrai",
        "listClientAdAccounts": "graph",
        "createClientAdAccount": "graph",
        "graphBatch": "graph",
        "graphBatchNoSlash": "graph",
        "graphBatchRoot": "graph",
    }
    assert {op.operation_id for op in TABLE if op.batch} == {"graphBatch", "graphBatchNoSlash", "graphBatchRoot"}


@pytest.mark.parametrize(
    ("method", "path", "operation", "params"),
    [
        ("GET", "/v1/accounts", "listAccounts", {}),
        ("HEAD", "/v1/accounts", "listAccounts", {}),
        ("GET", EDGE, "listClientAdAccounts", {"graph_version": "v25.0", "business_id": AGENCY}),
        ("HEAD", EDGE, "listClientAdAccounts", {"graph_version": "v25.0", "business_id": AGENCY}),
        ("POST", EDGE, "createClientAdAccount", {"graph_version": "v25.0", "business_id": AGENCY}),
        (
            "GET",
            "/v9.9/x y/client_ad_accounts",
            "listClientAdAccounts",
            {"graph_version": "v9.9", "business_id": "x y"},
        ),
        ("POST", "/v25.0/", "graphBatch", {"graph_version": "v25.0"}),
        ("POST", "/v25.0", "graphBatchNoSlash", {"graph_version": "v25.0"}),
        ("POST", "/", "graphBatchRoot", {}),
    ],
)
def test_routes(method: str, path: str, operation: str, params: dict[str, str]) -> None:
    routed = TABLE.route(method, path)
    assert routed.operation is not None and routed.operation.operation_id == operation
    assert routed.path_params == params
    assert routed.allowed == ()


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/v1/accounts", ("GET", "HEAD")),
        ("DELETE", "/v1/accounts", ("GET", "HEAD")),
        ("PUT", EDGE, ("GET", "HEAD", "POST")),
        ("GET", "/v25.0/", ("POST",)),
        ("HEAD", "/v25.0", ("POST",)),
        ("GET", "/", ("POST",)),
        # no such path: 404 in the path's API
        ("GET", "/v1/accounts/", ()),
        ("GET", "/v1", ()),  # KlayrAI's: never Graph's batch at version "v1"
        ("POST", "/v1", ()),
        ("POST", "/v1/", ()),
        ("GET", "/v1/x/client_ad_accounts", ()),
        ("GET", "/v25.0//client_ad_accounts", ()),
        ("GET", f"{EDGE}/", ()),
        ("GET", f"{EDGE}/extra", ()),
        ("GET", f"{EDGE}\n", ()),  # a newline is in no route, not even at the end
        ("GET", "/v25.0/10\n29/client_ad_accounts", ()),
        ("POST", "/v25.0\n", ()),
    ],
)
def test_unrouted_requests_and_allow(method: str, path: str, allowed: tuple[str, ...]) -> None:
    routed = TABLE.route(method, path)
    assert routed.operation is None and routed.path_params == {}
    assert routed.allowed == allowed


def test_paths_belong_to_one_api() -> None:
    assert [api_of(p) for p in ("/v1", "/v1/", "/v1/accounts", "/v1.0/x", "/v10/accounts", "/", EDGE)] == [
        "klayrai",
        "klayrai",
        "klayrai",
        "graph",
        "graph",
        "graph",
        "graph",
    ]


def test_responses_carry_the_contracts_named_examples_by_status() -> None:
    contract = default_contract()
    for op in TABLE:
        assert set(op.responses) == {int(status) for status in contract.responses(op.operation_id)}
        for name, example in contract.examples(op.operation_id).items():
            assert op.responses[example.status].examples[name] == example
        assert op.examples() == contract.examples(op.operation_id)
    listing = TABLE["listAccounts"].responses
    assert list(listing[401].examples) == ["authentication_error", "authentication_error_missing"]
    assert listing[200].media_types == {"application/json"}


def test_parameter_parsers_follow_the_contracts_annotations() -> None:
    listing = TABLE["listAccounts"].parameters
    with pytest.raises(ParamFault) as repeated:
        listing.parse([("page", "1"), ("page", "2")], {}, {})
    assert repeated.value.rule == "repeated"
    with pytest.raises(ParamFault) as unknown:
        listing.parse([("pageSize", "5")], {}, {})
    assert unknown.value.rule == "unknown"
    edge = TABLE["listClientAdAccounts"].parameters
    path = {"graph_version": "v25.0", "business_id": AGENCY}
    parsed = edge.parse([("limit", "1"), ("limit", "2"), ("whatever", "x")], {}, path)
    assert parsed["limit"] == 2  # Graph takes the last value and ignores unknown parameters
    assert TABLE["listAccounts"].header_names == ("klayrai-version",)


@pytest.mark.parametrize(
    ("operation", "query", "headers", "body", "present"),
    [
        ("listAccounts", [], {}, {}, False),
        ("listAccounts", [], {"x-api-key": DOC_KEY}, {}, True),
        ("listAccounts", [], {"x-api-key": ""}, {}, False),
        ("listClientAdAccounts", [("access_token", TOKEN)], {}, {}, True),
        ("listClientAdAccounts", [("access_token", "")], {}, {}, False),
        ("listClientAdAccounts", [], {"authorization": f"Bearer {TOKEN}"}, {}, True),
        ("listClientAdAccounts", [], {"authorization": f"OAuth {TOKEN}"}, {}, True),
        ("listClientAdAccounts", [], {"authorization": f"Basic {TOKEN}"}, {}, False),
        ("createClientAdAccount", [], {}, {"access_token": [TOKEN]}, True),
        ("graphBatchRoot", [], {}, {}, False),
    ],
)
def test_credentials_present(
    operation: str, query: list[tuple[str, str]], headers: dict[str, str], body: dict[str, Any], present: bool
) -> None:
    assert credentials_present(TABLE[operation], query, headers, lambda: body) is present


class Owner:
    registry = Registry()

    def __init__(self, name: str) -> None:
        self.name = name

    @registry("listAccounts")
    def listing(self, exchange: Any, params: Any) -> str:
        return f"{self.name} lists"

    @registry(*(op.operation_id for op in TABLE if op.operation_id != "listAccounts"))
    def other(self, exchange: Any, params: Any) -> str:
        return f"{self.name} does the rest"


def test_handlers_are_registered_by_operation_id_and_wired_explicitly() -> None:
    wired = TABLE.with_handlers(Owner.registry.bind(Owner("mock")))
    assert wired["listAccounts"].handler is not None and wired["listAccounts"].handler(None, {}) == "mock lists"
    assert wired["graphBatch"].handler(None, {}) == "mock does the rest"  # type: ignore[misc]
    assert TABLE["listAccounts"].handler is None  # the contract's own table stays without behaviour
    handlers = Owner.registry.bind(Owner("x"))
    with pytest.raises(ValueError, match="none for \\['graphBatch'\\]"):
        TABLE.with_handlers({k: v for k, v in handlers.items() if k != "graphBatch"})
    with pytest.raises(ValueError, match="unknown operations \\['nope'\\]"):
        TABLE.with_handlers({**handlers, "nope": print})
    with pytest.raises(ValueError, match="two handlers for listAccounts"):
        Owner.registry("listAccounts")(print)
