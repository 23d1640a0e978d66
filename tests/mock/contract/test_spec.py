"""The contract itself: valid, self-consistent, and faithful to the seed pages and docs/decisions.md."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import OpenAPIV30SpecValidator

from mockserver.contract.spec import SPEC_PATH, Contract, default_contract
from tests.paths import SEEDS

KLAYRAI_CODES = {
    "invalid_request": 400,
    "authentication_error": 401,
    "plan_insufficient": 403,
    "rate_limit_error": 429,
    "api_error": 500,
}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return default_contract()


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def seed_section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def all_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [r for v in node.values() for r in all_refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in all_refs(v)]
    return []


def test_spec_is_valid_openapi_303(contract: Contract) -> None:
    assert contract.spec["openapi"] == "3.0.3"
    errors = [e.message for e in OpenAPIV30SpecValidator(contract.spec).iter_errors()]
    assert errors == []


def test_every_ref_resolves(contract: Contract) -> None:
    refs = all_refs(contract.spec)
    assert refs, "the contract shares its pieces through components"
    for ref in set(refs):
        contract.resolve({"$ref": ref})  # raises KeyError on a dangling reference


def every_example(contract: Contract) -> list[tuple[str, Any]]:
    """(label, Example) for every example of every operation, plus component responses not tied to one."""
    found = []
    for op_id in contract.operations:
        found += [(f"{op_id}:{name}", ex) for name, ex in contract.examples(op_id).items()]
    for name, response in contract.spec["components"]["responses"].items():
        for ex_name, ex in contract.response_examples(response, 0).items():
            found.append((f"components.responses.{name}:{ex_name}", ex))
    return found


def test_every_example_validates_against_its_schema(contract: Contract) -> None:
    checked = 0
    for label, example in every_example(contract):
        errors = [e.message for e in contract.validator(example.schema).iter_errors(example.value)]
        assert errors == [], label
        checked += 1
    assert checked >= 40


def test_validator_checks_formats(contract: Contract) -> None:
    """The validator used above is not a no-op: wrong formats, patterns and types fail."""
    account = contract.deref({"$ref": "#/components/schemas/Account"})
    good = contract.examples("listAccounts")["seed_page"].value["data"][0]
    validator = contract.validator(account)
    assert validator.is_valid(good)
    for field, bad in [
        ("connectedAt", "2026-02-30T08:00:00Z"),
        ("id", "acct_1"),
        ("campaignCount", "12"),
        ("currency", "eur"),
    ]:
        assert not validator.is_valid({**good, field: bad}), field
    paging = contract.deref({"$ref": "#/components/schemas/Paging"})
    assert not contract.validator(paging).is_valid({"cursors": {"before": "a", "after": "b"}, "next": "/relative"})


def test_seed_page_response_is_the_klayrai_200_example(contract: Contract) -> None:
    text = seed_text("klayrai-accounts-api.txt")
    seed_json = json.loads(seed_section(text, "\nResponse\n", "\nAccount object fields"))
    example = contract.examples("listAccounts")["seed_page"]
    assert example.status == 200
    assert example.value == seed_json
    assert [list(a) for a in example.value["data"]] == [list(a) for a in seed_json["data"]]


def test_account_schema_has_the_seed_pages_sixteen_fields(contract: Contract) -> None:
    text = seed_text("klayrai-accounts-api.txt")
    table = seed_section(text, "Account object fields\n\nFieldTypeDescription\n", "\n\nConnection statuses")
    seed_fields = [
        re.match(r"^([a-zA-Z0-9]+?)(string\[\]|string|integer|number)", line).group(1) for line in table.splitlines()
    ]
    account = contract.deref({"$ref": "#/components/schemas/Account"})
    assert len(seed_fields) == 16
    assert sorted(account["required"]) == sorted(seed_fields) == sorted(account["properties"])


def test_every_klayrai_error_code_has_a_named_example(contract: Contract) -> None:
    text = seed_section(seed_text("klayrai-accounts-api.txt"), "Error codes", "\0\0")
    seed_codes = dict(re.findall(r"^(\d{3})([a-z_]+)", text, re.MULTILINE))
    assert {code: int(status) for status, code in seed_codes.items()} == KLAYRAI_CODES
    examples = contract.examples("listAccounts")
    for code, status in KLAYRAI_CODES.items():
        assert code in examples, code
        assert examples[code].status == status
        assert examples[code].value["error"]["code"] == code
    errors = contract.deref({"$ref": "#/components/schemas/KlayraiErrorCode"})["enum"]
    assert set(KLAYRAI_CODES) | {"not_found", "method_not_allowed"} == set(errors)


@pytest.mark.parametrize(
    ("operation_id", "seed_heading"), [("listClientAdAccounts", "Reading"), ("createClientAdAccount", "Creating")]
)
def test_every_graph_error_code_has_a_named_example(contract: Contract, operation_id: str, seed_heading: str) -> None:
    text = seed_text("meta-business-client-ad-accounts.txt")
    section = text.split(f"\n{seed_heading}\n", 1)[1]
    rules = section.split("Validation Rules", 1)[1].split("\n\n", 2)[1]
    codes = {int(m) for m in re.findall(r"^(\d+)[A-Z]", rules, re.MULTILINE)}
    assert codes, rules
    examples = contract.examples(operation_id)
    expected_status = {200: 403, 1: 500}
    for code in codes:
        name = f"graph_{code}"
        assert name in examples, name
        body = examples[name].value["error"]
        assert body["code"] == code
        assert {"message", "type", "code", "fbtrace_id"} <= set(body)
        assert examples[name].status == expected_status.get(code, 400)


def test_contract_md_graph_errors_have_examples(contract: Contract) -> None:
    """The Graph errors docs/decisions.md adds to the seed's: token, object, path and server errors."""
    examples = contract.examples("listClientAdAccounts")
    wanted = {
        "graph_104": (400, 104, None),
        "graph_190": (400, 190, None),
        "graph_190_463": (400, 190, 463),
        "graph_100_33": (400, 100, 33),
        "graph_2500": (400, 2500, None),
        "graph_1": (500, 1, None),
        "graph_80004": (400, 80004, 2446079),
        "graph_100_field": (400, 100, None),
    }
    for name, (status, code, subcode) in wanted.items():
        error = examples[name].value["error"]
        assert (examples[name].status, error["code"], error.get("error_subcode")) == (status, code, subcode), name
    assert examples["graph_80004"].value["error"]["is_transient"] is True
    assert examples["graph_100_33"].value["error"]["type"] == "GraphMethodException"
    assert "graph_100_post_33" in contract.examples("createClientAdAccount")


def test_every_operation_is_complete(contract: Contract) -> None:
    assert set(contract.operations) == {
        "listAccounts",
        "listClientAdAccounts",
        "createClientAdAccount",
        "graphBatch",
        "graphBatchNoSlash",
        "graphBatchRoot",
    }
    for op_id, op in contract.operations.items():
        definition = op.definition
        assert definition.get("summary"), op_id
        assert op.tags, op_id
        assert definition.get("security"), op_id
        statuses = set(definition["responses"])
        assert "200" in statuses, op_id
        assert any(s.startswith("4") for s in statuses), op_id
        assert "500" in statuses, op_id


def test_security_schemes_per_api(contract: Contract) -> None:
    ops = contract.operations
    assert ops["listAccounts"].definition["security"] == [{"klayraiApiKey": []}]
    for op_id in ("listClientAdAccounts", "createClientAdAccount"):
        assert ops[op_id].definition["security"] == [{"graphAccessToken": []}, {"graphBearer": []}]
    schemes = contract.spec["components"]["securitySchemes"]
    assert schemes["klayraiApiKey"] == {**schemes["klayraiApiKey"], "in": "header", "name": "x-api-key"}
    assert schemes["graphAccessToken"]["in"] == "query"


def test_klayrai_response_headers(contract: Contract) -> None:
    for status, response in contract.responses("listAccounts").items():
        headers = {h.lower() for h in response["headers"]}
        assert {
            "x-request-id",
            "klayrai-version",
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        } <= headers, status
        assert ("retry-after" in headers) == (status == "429"), status


def test_graph_response_headers(contract: Contract) -> None:
    for op_id in ("listClientAdAccounts", "createClientAdAccount"):
        for status, response in contract.responses(op_id).items():
            headers = {h.lower() for h in response["headers"]}
            assert {"facebook-api-version", "x-business-use-case-usage"} <= headers, (op_id, status)
            assert ("www-authenticate" in headers) == (status != "200"), (op_id, status)


def test_invariants_are_named_and_unique(contract: Contract) -> None:
    ids = [inv["id"] for inv in contract.spec["x-invariants"]]
    for op in contract.operations.values():
        ids += [inv["id"] for inv in op.definition.get("x-invariants", [])]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", i) for i in ids)
    for must in (
        "klayrai.account.active_le_total",
        "klayrai.pagination.has_more",
        "graph.cursor_walk",
        "klayrai.check_order.auth_first",
        "klayrai.tenant_isolation",
    ):
        assert must in ids


def test_stateful_link_from_create_to_list(contract: Contract) -> None:
    links = contract.responses("createClientAdAccount")["200"]["links"]
    assert links["ListAfterCreate"]["operationId"] == "listClientAdAccounts"


@pytest.mark.parametrize("operation_id", ["listAccounts", "listClientAdAccounts", "createClientAdAccount"])
def test_schemathesis_generates_cases(operation_id: str) -> None:
    schema = schemathesis.openapi.from_path(SPEC_PATH)
    operations = [result.ok() for result in schema.get_all_operations()]
    operation = next(op for op in operations if op.definition.raw["operationId"] == operation_id)
    seen: list[Any] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=5, suppress_health_check=list(HealthCheck), database=None, deadline=None)
    def draw(case: Any) -> None:
        seen.append(case)

    draw()
    assert seen
    assert all(case.operation.definition.raw["operationId"] == operation_id for case in seen)
