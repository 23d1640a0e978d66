"""Every statement of the contract, enumerable: the `x-invariants` and the `x-` decisions of openapi.yaml and the
entries of docs/decisions.md, each with a stable id, where it is stated, and the kit's rules that check it.

An `x-invariants` entry is checked by the rule of the same id. The other statements name their rules in
`CHECKED_BY`; a statement no target can be checked on (the mock's controls, its world, the project's own tools) is in
`NOT_CHECKABLE`, with the reason. tests/kit/test_statements.py fails on a statement in neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from mockserver.contract.spec import default_contract
from mockserver.resources import packaged

DECISIONS = "docs/decisions.md"
ENTRY = re.compile(r"^- `(?P<id>[a-z][a-z0-9_.]*)`: (?P<text>.*)$")
# The `x-` annotations of openapi.yaml that state a decision (the others are markers or data).
ANNOTATIONS = (
    "x-check-order",
    "x-supported-klayrai-versions",
    "x-parameter-order",
    "x-unknown-query-parameters",
    "x-order-by",
    "x-default-fields",
    "x-outcome-order",
    "x-default-permitted-tasks",
    "x-graph-batch",
)
BATCH = ("graph.batch.item_as_alone", "graph.batch.encodings")
SCHEMA = "schemathesis.response_schema_conformance"
HEADERS = "schemathesis.response_headers_conformance"
CHECKED_BY: dict[str, tuple[str, ...]] = {
    # openapi.yaml annotations
    "openapi.x-check-order": ("klayrai.check_order.auth_first", "klayrai.plan"),
    "openapi.x-supported-klayrai-versions": ("klayrai.version.echo",),
    "openapi.listAccounts.x-parameter-order": ("klayrai.parameter_order",),
    "openapi.listAccounts.x-unknown-query-parameters": ("klayrai.unknown_parameter",),
    "openapi.listAccounts.x-order-by": ("klayrai.pagination.walk",),
    "openapi.listClientAdAccounts.x-unknown-query-parameters": ("graph.hostile_input",),
    "openapi.listClientAdAccounts.x-default-fields": ("graph.default_fields",),
    "openapi.createClientAdAccount.x-outcome-order": (
        "graph.create_unknown_account",
        "graph.create_asset_conflict",
        "graph.duplicate_create",
    ),
    "openapi.createClientAdAccount.x-default-permitted-tasks": ("graph.create_then_list",),
    "openapi.graphBatch.x-graph-batch": BATCH,
    "openapi.graphBatchNoSlash.x-graph-batch": ("graph.batch.encodings",),
    "openapi.graphBatchRoot.x-graph-batch": ("graph.batch.encodings",),
    # docs/decisions.md: both APIs
    "contract.check_order": ("klayrai.check_order.auth_first", "klayrai.plan", "klayrai.parameter_order"),
    "contract.bad_input_answered": ("klayrai.hostile_input", "graph.hostile_input", "transport.connection_dropped"),
    "contract.limits_documented": ("klayrai.hostile_input", "graph.hostile_input"),
    "contract.cors_any_origin": ("klayrai.cors", "graph.cors"),
    "contract.cors_preflight": ("klayrai.cors", "graph.cors"),
    # KlayrAI
    "klayrai.auth.header": ("klayrai.auth.required",),
    "klayrai.auth.invalid": ("klayrai.auth.required", "klayrai.auth.revoked_key"),
    "klayrai.auth.plan": ("klayrai.plan",),
    "klayrai.auth.tenant": ("klayrai.tenant_isolation",),
    "klayrai.version.default": ("klayrai.version.echo",),
    "klayrai.version.unsupported": ("klayrai.version.echo", "klayrai.parameter_order"),
    "klayrai.version.echoed": ("klayrai.version.echo",),
    "klayrai.query.status_enum": ("klayrai.filter.status_case", "klayrai.filter.status"),
    "klayrai.query.page_range": ("klayrai.parameter_order", "schemathesis.negative_data_rejection"),
    "klayrai.query.fault_order": ("klayrai.parameter_order",),
    "klayrai.query.unknown_rejected": ("klayrai.unknown_parameter",),
    "klayrai.paging.past_end": ("klayrai.pagination.past_end",),
    "klayrai.paging.last_page": ("klayrai.pagination.page_length", "klayrai.pagination.has_more"),
    "klayrai.paging.object": ("klayrai.pagination.echo", "klayrai.pagination.has_more", "klayrai.filter.status"),
    "klayrai.paging.order": ("klayrai.pagination.walk",),
    "klayrai.account.formats": (SCHEMA, "klayrai.account.timezone_iana"),
    "klayrai.errors.envelope": ("klayrai.envelope.request_id", "schemathesis.content_type_conformance"),
    "klayrai.errors.codes": ("klayrai.envelope.code_status",),
    "klayrai.errors.fields": ("klayrai.envelope.fields",),
    "klayrai.headers.every_response": ("klayrai.rate_limit.headers", "klayrai.envelope.request_id", HEADERS),
    # Graph
    "graph.version.format": ("graph.version_echo",),
    "graph.business.id": ("graph.tenant_isolation",),
    "graph.auth.placement": ("graph.token_placement",),
    "graph.auth.codes": ("graph.auth_enforced", "graph.expired_token"),
    "graph.auth.appsecret_proof": ("graph.appsecret_proof",),
    "graph.auth.business_visibility": ("graph.tenant_isolation",),
    "graph.auth.permission": ("graph.permission",),
    "graph.path.unknown": ("graph.unknown_path",),
    "graph.errors.envelope": ("graph.error_envelope",),
    "graph.errors.fields": ("graph.error_fields",),
    "graph.errors.www_authenticate": ("graph.error_envelope",),
    "graph.headers.every_response": (HEADERS, "schemathesis.content_type_conformance", "graph.cors"),
    "graph.headers.usage": (HEADERS,),
    "graph.errors.suppress_http_code": ("graph.suppress_http_code",),
    "graph.read.fields": ("graph.default_fields", "graph.fields_projection", "graph.unknown_field"),
    "graph.read.field_expansion": ("graph.field_expansion",),
    "graph.read.limit": ("graph.limit", "schemathesis.negative_data_rejection"),
    "graph.read.enum_case": ("graph.enum_case",),
    "graph.read.search_query": ("graph.search_query",),
    "graph.read.summary": ("graph.summary_total",),
    "graph.read.unknown_parameters": ("graph.hostile_input",),
    "graph.read.order": ("graph.cursor_walk", "graph.paging_boundaries"),
    "graph.read.node_fields": (SCHEMA, "graph.account_id_matches_id"),
    "graph.paging.presence": ("graph.paging_presence",),
    "graph.paging.links": ("graph.paging_links",),
    "graph.paging.boundaries": ("graph.paging_boundaries", "graph.cursor_walk"),
    "graph.paging.forged_cursor": ("graph.bad_cursor",),
    "graph.create.encodings": ("graph.create_encodings",),
    "graph.create.account_id": ("graph.create_encodings", "graph.create_missing_account"),
    "graph.create.permitted_tasks": ("graph.create_encodings", "graph.unknown_task"),
    "graph.create.other_content_type": ("graph.create_encodings",),
    "graph.create.outcomes": (
        "graph.create_unknown_account",
        "graph.create_asset_conflict",
        "graph.duplicate_create",
        "graph.create_then_list",
    ),
    "graph.create.concurrent": ("graph.concurrent_create",),
    "graph.batch.paths": ("graph.batch.encodings",),
    "graph.batch.bodies": ("graph.batch.encodings",),
    "graph.batch.item_members": ("graph.batch.malformed",),
    "graph.batch.answers": ("graph.batch.include_headers", "graph.batch.order"),
    "graph.batch.as_alone": ("graph.batch.item_as_alone",),
    "graph.batch.own_token": ("graph.batch.item_token",),
    "graph.batch.in_order": ("graph.batch.order", "graph.batch.write_then_read"),
    "graph.batch.limits": ("graph.batch.max_items", "graph.batch.malformed"),
    "graph.batch.references": ("graph.batch.malformed",),
}
TARGET_DATA = "relates both APIs' data of one world, which only the mock's fixtures hold (fixture tests)"
NOT_CHECKABLE: dict[str, str] = {
    "klayrai.cors.origins": "a flag of the mock (--cors-origin); a real service has its own list",
    "graph.errors.unknown": "a real target cannot be made to fail on purpose (the mock forces it with Prefer)",
    "graph.errors.throttled": "needs the target's rate limit exhausted; the kit stays under it on purpose",
    "mock.world.default": "the mock's default world; a real target has its own data",
    "mock.world.seed": "the mock's seeded draws; a real target draws nothing",
    "mock.controls.prefer": "a control of the mock (Prefer); a real implementation has none",
    "mock.controls.admin": "the mock's admin API, outside both APIs",
    "mock.state.shared": "how the mock shares state between its workers (tests/mock/state/test_shared_state.py)",
    "mock.state.store_fault": "the kit cannot make a target's state store fail",
    "mock.state.decisions": "how the mock decides on its shared state (tests/mock/state/test_parity.py)",
    "mock.state.timeout": "the kit cannot slow a target's state store (tests/mock/state/test_faults.py)",
    "mock.routing.compiled": "how the mock routes (tests/mock/contract/test_operations.py)",
    "mock.limits": "the mock's own limits; the contract's (x-limits) are checked by klayrai.limits, graph.limits",
    "mock.journal.whole": "the mock's journal (tests/mock/controls/test_journal_har.py)",
    "mock.dashboard.files": "the mock's dashboard (tests/mock/controls/test_dashboard_guard.py)",
    "tools.secrets": "about this project's own reports (the kit masks its own: tests/kit/test_faulty.py)",
    "tools.coverage": "how this project's tools count coverage, not a behaviour of the target",
    "tools.har": "how this project's tools read HAR files, not a behaviour of the target",
}


@dataclass(frozen=True)
class Statement:
    id: str
    where: str  # openapi.yaml <operation> x-invariants | openapi.yaml <operation> x-... | docs/decisions.md <topic>
    text: str


def decisions_text() -> str:
    """docs/decisions.md: the package carries it (a symlink in a checkout, the file itself in a wheel)."""
    return packaged("klayrai_conformance", "decisions.md").read_text(encoding="utf-8")


def parse_decisions(text: str) -> list[Statement]:
    """The `- `id`: text` entries of docs/decisions.md, continuation lines (indented) joined."""
    found: list[Statement] = []
    topic = ""
    for line in text.splitlines():
        if line.startswith("## "):
            topic = line[3:].strip()
        elif match := ENTRY.match(line):
            found.append(Statement(match["id"], f"{DECISIONS} ({topic})", match["text"]))
        elif found and line.startswith("  ") and line.strip() and found[-1].where.endswith(f"({topic})"):
            last = found.pop()
            found.append(Statement(last.id, last.where, f"{last.text} {line.strip()}"))
    return found


def spec_statements(spec: dict[str, Any], operations: dict[str, Any]) -> list[Statement]:
    """The x-invariants and decision annotations of openapi.yaml, top level first, then by operation."""
    found = [Statement(item["id"], "openapi.yaml x-invariants", item["description"]) for item in spec["x-invariants"]]
    found += [annotation(None, name, spec[name]) for name in ANNOTATIONS if name in spec]
    for operation_id, operation in operations.items():
        definition = operation.definition
        where = f"openapi.yaml {operation_id} x-invariants"
        found += [Statement(item["id"], where, item["description"]) for item in definition.get("x-invariants", [])]
        found += [annotation(operation_id, name, definition[name]) for name in ANNOTATIONS if name in definition]
    return found


def annotation(operation_id: str | None, name: str, value: Any) -> Statement:
    """An `x-` decision of openapi.yaml as a statement: `openapi[.<operationId>].<x-name>`."""
    shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    prefix = f"openapi.{operation_id}" if operation_id else "openapi"
    return Statement(f"{prefix}.{name}", f"openapi.yaml {operation_id or 'top level'}", f"{name}: {shown}")


@cache
def statements() -> tuple[Statement, ...]:
    contract = default_contract()
    return (*spec_statements(contract.spec, contract.operations), *parse_decisions(decisions_text()))


def rules_of(statement: Statement) -> tuple[str, ...]:
    """The rules that check a statement: the rule of its own id for an x-invariants entry, else `CHECKED_BY`."""
    if statement.where.endswith("x-invariants"):
        return (statement.id,)
    return CHECKED_BY.get(statement.id, ())
