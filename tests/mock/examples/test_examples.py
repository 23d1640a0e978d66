"""`mockserver.examples` (`mockserver examples`): a payload for every operation and documented status, each valid,
the doc example verbatim, realistic payloads that show what their names say, invariants, determinism, stdout
documents, and refusal of an off-contract payload."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.contract.spec import default_contract
from mockserver.examples import probe
from mockserver.examples.cli import main as examples_main
from mockserver.examples.drawing import Gen
from mockserver.examples.edges import EDGES
from tests.conftest import AGENCY
from tests.paths import SEEDS

CONTRACT = default_contract()
SEED_PAGE = SEEDS / "klayrai-accounts-api.txt"
Tree = dict[str, bytes]


def read_tree(root: Path) -> Tree:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def payloads(tree: Tree) -> dict[tuple[str, int, str], Any]:
    """`(operationId, status, name) -> payload` of a JSON tree."""
    found = {}
    for relative, data in tree.items():
        operation, status, file_name = relative.split("/")
        found[(operation, int(status), file_name.removesuffix(".json"))] = json.loads(data)
    return found


def as_document(found: dict[tuple[str, int, str], Any], operation: str) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for (op, status, name), value in sorted(found.items()):
        if op == operation:
            doc.setdefault(op, {}).setdefault(str(status), {})[name] = value
    return doc


@pytest.fixture(scope="module")
def tree_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("examples")
    assert examples_main(["--out", str(root)]) == 0
    return root


@pytest.fixture(scope="module")
def tree(tree_root: Path) -> Tree:
    return read_tree(tree_root)


@pytest.fixture(scope="module")
def found(tree: Tree) -> dict[tuple[str, int, str], Any]:
    return payloads(tree)


def documented() -> list[tuple[str, int]]:
    return [(op, int(status)) for op in sorted(CONTRACT.operations) for status in CONTRACT.responses(op)]


# ---- coverage and validity


@pytest.mark.parametrize(("operation", "status"), documented())
def test_every_documented_status_has_realistic_contract_and_edge_payloads(
    found: dict[tuple[str, int, str], Any], operation: str, status: int
) -> None:
    names = [name for op, st, name in found if (op, st) == (operation, status)]
    realistic = [n for n in names if not n.startswith(("contract_", "edge_"))]
    assert realistic, f"no payload from the mock for {operation} {status}"
    assert any(n.startswith("contract_") for n in names)
    assert any(n.startswith("edge_") for n in names)
    expected = {f"contract_{e.name}" for e in CONTRACT.examples(operation).values() if e.status == status}
    assert expected <= set(names)


def test_the_tree_holds_only_documented_operations_and_statuses(found: dict[tuple[str, int, str], Any]) -> None:
    assert {(op, status) for op, status, _ in found} == set(documented())
    assert all(re.fullmatch(r"[a-z0-9_]+", name) for _, _, name in found)


def test_every_written_payload_validates(found: dict[tuple[str, int, str], Any]) -> None:
    validators = {}
    for operation, status in documented():
        schema = CONTRACT.responses(operation)[str(status)]["content"]["application/json"]["schema"]
        validators[operation, status] = CONTRACT.validator(CONTRACT.deref(schema))
    problems = [
        f"{op}/{status}/{name}: {error.message}"
        for (op, status, name), value in found.items()
        for error in validators[op, status].iter_errors(value)
    ]
    assert problems == []
    assert len(found) > 150


def test_seed_page_is_the_contract_example_and_the_seed_page(found: dict[tuple[str, int, str], Any]) -> None:
    text = SEED_PAGE.read_text(encoding="utf-8")
    seed = json.loads(text.split("\nResponse\n", 1)[1].split("\nAccount object fields", 1)[0])
    served = found["listAccounts", 200, "seed_page"]
    assert served == CONTRACT.examples("listAccounts")["seed_page"].value
    assert served == seed
    assert found["listAccounts", 200, "contract_seed_page"] == served


def test_contract_examples_are_verbatim(found: dict[tuple[str, int, str], Any]) -> None:
    for operation in CONTRACT.operations:
        for example in CONTRACT.examples(operation).values():
            assert found[operation, example.status, f"contract_{example.name}"] == example.value


# ---- realistic payloads show what their names say


def error_of(found: dict[tuple[str, int, str], Any], where: str) -> dict[str, Any]:
    operation, status, name = where.split("/")
    return found[operation, int(status), name]["error"]


KLAYRAI_ERRORS = {
    "listAccounts/400/invalid_request_page_size_too_large": ("invalid_request", "page_size"),
    "listAccounts/400/invalid_request_page_too_large": ("invalid_request", "page"),
    "listAccounts/400/invalid_request_status": ("invalid_request", "status"),
    "listAccounts/400/invalid_request_version": ("invalid_request", "klayrai-version"),
    "listAccounts/400/invalid_request_unknown_parameter": ("invalid_request", "pageSize"),
    "listAccounts/400/invalid_request_first_fault_wins": ("invalid_request", "status"),
    "listAccounts/401/authentication_error_missing": ("authentication_error", None),
    "listAccounts/401/authentication_error_before_parameters": ("authentication_error", None),
    "listAccounts/403/plan_insufficient": ("plan_insufficient", None),
    "listAccounts/429/rate_limit_error": ("rate_limit_error", None),
    "listAccounts/429/rate_limit_exceeded": ("rate_limit_error", None),
    "listAccounts/500/api_error": ("api_error", None),
}


@pytest.mark.parametrize(("where", "expected"), KLAYRAI_ERRORS.items(), ids=list(KLAYRAI_ERRORS))
def test_klayrai_errors_show_their_fault(
    found: dict[tuple[str, int, str], Any], where: str, expected: tuple[str, str | None]
) -> None:
    error = error_of(found, where)
    assert (error["code"], error.get("param")) == expected


GRAPH_ERRORS = {
    "104": (104, None),
    "190": (190, None),
    "190_463": (190, 463),
    "100_33": (100, 33),
    "100_33_other_agency": (100, 33),
    "100_appsecret_proof": (100, None),
    "2500": (2500, None),
    "80004": (80004, 2446079),
    "80000": (80000, 2446079),
    "1150": (1150, None),
    "200": (200, None),
    "1": (1, None),
}
GRAPH_CASES = [
    (f"{op}/{403 if case == '200' else 500 if case == '1' else 400}/graph_{case}", code)
    for op in ("listClientAdAccounts", "createClientAdAccount")
    for case, code in GRAPH_ERRORS.items()
] + [
    ("listClientAdAccounts/400/graph_100_field", (100, None)),
    ("listClientAdAccounts/400/graph_100_cursor", (100, None)),
    ("listClientAdAccounts/400/graph_80004_rate_limited", (80004, 2446079)),
    ("createClientAdAccount/400/graph_3946", (3946, None)),
    ("createClientAdAccount/400/graph_3945", (3945, None)),
    ("createClientAdAccount/400/graph_3989", (3989, None)),
    ("createClientAdAccount/400/graph_3989_after_confirmed", (3989, None)),
    ("createClientAdAccount/400/graph_100_post_33", (100, 33)),
    ("createClientAdAccount/400/graph_100_task", (100, None)),
    ("createClientAdAccount/400/graph_100_required", (100, None)),
]


@pytest.mark.parametrize(("where", "expected"), GRAPH_CASES, ids=[w for w, _ in GRAPH_CASES])
def test_graph_errors_show_their_code(
    found: dict[tuple[str, int, str], Any], where: str, expected: tuple[int, int | None]
) -> None:
    error = error_of(found, where)
    assert (error["code"], error.get("error_subcode")) == expected


def test_realistic_pages_show_what_their_names_say(found: dict[tuple[str, int, str], Any]) -> None:
    expired = found["listAccounts", 200, "big_workspace_token_expired_page_2"]
    assert [a["connectionStatus"] for a in expired["data"]] == ["token_expired"]
    assert expired["pagination"]["page"] == 2
    first = found["listAccounts", 200, "big_workspace_first_page"]
    assert first["pagination"]["total"] > 100 and len(first["data"]) == 20
    last = found["listAccounts", 200, "big_workspace_last_page"]["pagination"]
    assert last["hasMore"] is False and 0 < last["total"] - (last["page"] - 1) * last["page_size"] <= 7
    assert found["listAccounts", 200, "past_the_end"]["data"] == []
    graph = found["listClientAdAccounts", 200, "last_page"]
    assert "previous" in graph["paging"] and "next" not in graph["paging"]
    default = found["listClientAdAccounts", 200, "default_fields"]["data"]
    assert [set(node) for node in default] == [{"id", "account_id"}] * 2
    every = found["listClientAdAccounts", 200, "fields_and_summary"]
    assert set(every["data"][0]) == set(CONTRACT.deref({"$ref": "#/components/schemas/AdAccountField"})["enum"])
    assert every["summary"]["total_count"] > 100
    assert found["listClientAdAccounts", 200, "empty"] == {"data": [], "summary": {"total_count": 0}}
    assert all("acme" in n["name"].lower() for n in found["listClientAdAccounts", 200, "search_query"]["data"])
    assert found["createClientAdAccount", 200, "confirmed"] == {"access_status": "CONFIRMED"}
    assert found["createClientAdAccount", 200, "pending"] == {"access_status": "PENDING"}


def test_error_ids_are_derived_from_the_payload_name(found: dict[tuple[str, int, str], Any]) -> None:
    checked = 0
    for (operation, status, name), value in found.items():
        if status < 400 or name.startswith(("contract_", "edge_")):
            continue
        digest = hashlib.sha256(f"{operation}/{status}/{name}".encode()).digest()
        error = value["error"]
        if operation == "listAccounts":
            assert error["request_id"] == "req_" + digest[:8].hex()
        else:
            assert error["fbtrace_id"] == base64.urlsafe_b64encode(digest[:17]).decode().rstrip("=")
        checked += 1
    assert checked > 50


# ---- invariants a schema cannot state hold in every page


def timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_every_klayrai_page_keeps_the_invariants(found: dict[tuple[str, int, str], Any]) -> None:
    for (operation, status, name), value in found.items():
        if (operation, status) != ("listAccounts", 200):
            continue
        p = value["pagination"]
        assert p["hasMore"] == (p["page"] * p["page_size"] < p["total"]), name
        assert len(value["data"]) == min(p["page_size"], max(0, p["total"] - (p["page"] - 1) * p["page_size"])), name
        for account in value["data"]:
            assert account["activeCampaignCount"] <= account["campaignCount"], name
            assert account["status"] != "closed" or account["activeCampaignCount"] == 0, name
            assert timestamp(account["lastSyncedAt"]) >= timestamp(account["connectedAt"]), name
            assert round(account["totalSpendLast30d"], 2) == account["totalSpendLast30d"], name
        ids = [a["id"] for a in value["data"]]
        assert len(set(ids)) == len(ids), name


def test_every_graph_page_keeps_the_invariants(found: dict[tuple[str, int, str], Any]) -> None:
    for (operation, status, name), value in found.items():
        if (operation, status) != ("listClientAdAccounts", 200):
            continue
        assert ("paging" in value) == bool(value["data"]), name
        for node in value["data"]:
            assert "account_id" not in node or node["id"] == "act_" + node["account_id"], name
        for link in ("next", "previous"):
            url = value.get("paging", {}).get(link)
            assert url is None or url.startswith(f"http://127.0.0.1:4010/v25.0/{AGENCY}/client_ad_accounts?"), name


def test_edge_payloads_reach_the_contract_bounds(found: dict[tuple[str, int, str], Any]) -> None:
    params = {p["name"]: p["schema"] for p in CONTRACT.parameters("listAccounts")}
    largest = found["listAccounts", 200, "edge_page_size_max"]
    assert len(largest["data"]) == largest["pagination"]["page_size"] == params["page_size"]["maximum"]
    assert found["listAccounts", 200, "edge_page_size_min"]["pagination"]["page_size"] == params["page_size"]["minimum"]
    assert found["listAccounts", 200, "edge_page_max_past_the_end"]["pagination"]["page"] == params["page"]["maximum"]
    assert found["listAccounts", 200, "edge_empty_workspace"]["data"] == []
    zero = found["listAccounts", 200, "edge_zero_counts"]["data"][0]
    assert (zero["campaignCount"], zero["activeCampaignCount"], zero["totalSpendLast30d"]) == (0, 0, 0)
    assert len(found["listAccounts", 200, "edge_long_names"]["data"][0]["name"]) == 255
    assert found["listAccounts", 200, "edge_non_ascii_names"]["data"][0]["name"] == "Café Müller \u2013 Ürün 東京 🚀"
    limit = {p["name"]: p["schema"] for p in CONTRACT.parameters("listClientAdAccounts")}["limit"]
    assert len(found["listClientAdAccounts", 200, "edge_limit_max"]["data"]) == limit["maximum"]
    assert len(found["listClientAdAccounts", 200, "edge_limit_min"]["data"]) == limit["minimum"]
    assert found["listClientAdAccounts", 200, "edge_empty"] == {"data": []}
    assert len(found["listClientAdAccounts", 200, "edge_long_names"]["data"][0]["name"]) == 255
    offsets = {
        n["timezone_offset_hours_utc"] for n in found["listClientAdAccounts", 200, "edge_every_account_status"]["data"]
    }
    assert {-12, 14} <= offsets
    statuses = [n["account_status"] for n in found["listClientAdAccounts", 200, "edge_every_account_status"]["data"]]
    assert (
        statuses == CONTRACT.deref({"$ref": "#/components/schemas/AdAccount"})["properties"]["account_status"]["enum"]
    )


# ---- determinism and output modes


def test_the_same_seed_writes_the_same_bytes(tree: Tree, tmp_path: Path) -> None:
    assert examples_main(["--out", str(tmp_path)]) == 0
    again = read_tree(tmp_path)
    assert list(again) == list(tree)
    assert [name for name in again if again[name] != tree[name]] == []


def test_another_seed_gives_another_big_workspace(found: dict[tuple[str, int, str], Any], tmp_path: Path) -> None:
    assert examples_main(["--seed", "7", "--operation", "listAccounts", "--out", str(tmp_path)]) == 0
    other = payloads(read_tree(tmp_path))
    assert {op for op, _, _ in other} == {"listAccounts"}
    for name in ("big_workspace_first_page", "big_workspace_disconnected", "edge_zero_counts"):
        assert other["listAccounts", 200, name] != found["listAccounts", 200, name], name
    assert other["listAccounts", 200, "seed_page"] == found["listAccounts", 200, "seed_page"]


def test_stdout_json_is_one_sorted_document(
    found: dict[tuple[str, int, str], Any], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert examples_main(["--operation", "listClientAdAccounts"]) == 0
    doc = json.loads(capsysbinary.readouterr().out)
    assert doc == as_document(found, "listClientAdAccounts")
    statuses = doc["listClientAdAccounts"]
    assert list(statuses) == sorted(statuses)
    assert all(list(names) == sorted(names) for names in statuses.values())


def test_stdout_yaml_parses_to_the_same_payloads(
    found: dict[tuple[str, int, str], Any], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert examples_main(["--operation", "createClientAdAccount", "--format", "yaml"]) == 0
    assert yaml.safe_load(capsysbinary.readouterr().out) == as_document(found, "createClientAdAccount")


def test_yaml_tree_and_kind_filter(tmp_path: Path) -> None:
    argv = ["--kind", "edge", "--operation", "listClientAdAccounts", "--format", "yaml", "--out", str(tmp_path)]
    assert examples_main(argv) == 0
    files = sorted(tmp_path.rglob("*.yaml"))
    assert files and all(f.relative_to(tmp_path).parts[0] == "listClientAdAccounts" for f in files)
    assert all(f.name.startswith("edge_") for f in files)
    assert yaml.safe_load((tmp_path / "listClientAdAccounts/200/edge_empty.yaml").read_text()) == {"data": []}


def test_an_unknown_operation_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        examples_main(["--operation", "listAcounts"])
    assert exit_info.value.code == 2
    assert "listAcounts" in capsys.readouterr().err


# ---- an off-contract payload is refused, and nothing is written


def test_a_corrupted_edge_payload_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build = EDGES["listAccounts"]

    def corrupted(gen_for: Callable[[str], Gen]) -> Iterable[tuple[int, str, Any]]:
        yield from build(gen_for)
        yield 200, "corrupt", {"data": [], "pagination": {"total": 0, "page": 0, "page_size": 20, "hasMore": False}}

    monkeypatch.setitem(EDGES, "listAccounts", corrupted)
    assert examples_main(["--kind", "edge", "--operation", "listAccounts", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "listAccounts/200/edge_corrupt" in err
    assert "$.pagination.page" in err and "less than the minimum of 1" in err
    assert list(tmp_path.iterdir()) == []


def test_a_corrupted_mock_answer_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stable = probe.stable_ids

    def broken(operation: str, status: int, name: str, body: Any) -> Any:
        body = stable(operation, status, name, body)
        if name == "graph_3946":
            body["error"]["fbtrace_id"] = "not a trace id!"
        return body

    monkeypatch.setattr(probe, "stable_ids", broken)
    argv = ["--kind", "realistic", "--operation", "createClientAdAccount", "--out", str(tmp_path)]
    assert examples_main(argv) == 1
    err = capsys.readouterr().err
    assert "createClientAdAccount/400/graph_3946" in err and "$.error.fbtrace_id" in err
    assert list(tmp_path.iterdir()) == []
