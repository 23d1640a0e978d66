"""Deliberately faulty implementations of both APIs, each the project's mock with one realistic contract bug, and
the rule of the conformance kit that must report it (tests/kit/test_faulty.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mockserver.http.app import MockApp
from tests.faulty import graph, graph_auth, klayrai, wire

SCHEMA_RULE = "schemathesis.response_schema_conformance"
KLAYRAI = ("--api", "klayrai", "--phases", "probes", "--rules", "klayrai.*")
GRAPH = ("--api", "meta", "--phases", "probes", "--rules", "graph.*")
# Schemathesis alone, few examples: the schema check is the only rule that sees type drift. listAccounts' parameters
# have no examples, so KlayrAI needs the fuzzing phase.
SCHEMA_KLAYRAI = ("--api", "klayrai", "--phases", "fuzzing", "--max-examples", "5", "--rules", SCHEMA_RULE)
SCHEMA_GRAPH = ("--api", "meta", "--phases", "examples", "--max-examples", "5", "--rules", SCHEMA_RULE)


@dataclass(frozen=True)
class Fault:
    build: Callable[[], MockApp]
    rule: str  # the rule that must report it
    evidence: str  # a fragment of that rule's finding: it saw this bug, not something else
    args: tuple[str, ...]  # the kit's arguments: just the rules needed, to keep the suite fast

    @property
    def name(self) -> str:
        return self.build.__name__

    @property
    def description(self) -> str:
        return (self.build.__doc__ or "").strip().splitlines()[0]


FAULTS = [
    Fault(klayrai.campaign_count_as_string, SCHEMA_RULE, "campaignCount", SCHEMA_KLAYRAI),
    Fault(klayrai.missing_connected_by, SCHEMA_RULE, "connectedBy", SCHEMA_KLAYRAI),
    Fault(klayrai.problem_json_errors, "klayrai.envelope.request_id", "application/problem+json", KLAYRAI),
    Fault(klayrai.lower_plan_is_401, "klayrai.plan", "expected HTTP 403 plan_insufficient", KLAYRAI),
    Fault(klayrai.page_off_by_one, "klayrai.pagination.walk", "accounts seen twice", KLAYRAI),
    Fault(klayrai.has_more_from_page_length, "klayrai.pagination.has_more", "hasMore is True", KLAYRAI),
    Fault(klayrai.status_filter_ignored, "klayrai.filter.status", "with another connectionStatus", KLAYRAI),
    Fault(klayrai.total_of_unfiltered_set, "klayrai.filter.status", "add up to", KLAYRAI),
    Fault(klayrai.request_id_mismatch, "klayrai.envelope.request_id", "!= x-request-id header", KLAYRAI),
    Fault(klayrai.params_checked_before_auth, "klayrai.check_order.auth_first", "expected HTTP 401", KLAYRAI),
    Fault(klayrai.unknown_parameter_ignored, "klayrai.unknown_parameter", "'pageSize'", KLAYRAI),
    Fault(klayrai.version_echoes_anything, "klayrai.version.echo", "'1999-01-01'", KLAYRAI),
    Fault(klayrai.rate_limit_reset_in_ms, "klayrai.rate_limit.headers", "is not epoch seconds", KLAYRAI),
    Fault(klayrai.tenant_leak, "klayrai.tenant_isolation", "sees this workspace's accounts", KLAYRAI),
    Fault(klayrai.past_end_is_400, "klayrai.pagination.past_end", "expected HTTP 200, got 400", KLAYRAI),
    Fault(klayrai.closed_with_active, "klayrai.account.closed_has_no_active", "activeCampaignCount 1", KLAYRAI),
    Fault(graph.cursor_wraps_around, "graph.cursor_walk", "the cursor loops", GRAPH),
    Fault(graph.fields_ignored, "graph.fields_projection", "fields=name gave nodes with ['account_id', 'id']", GRAPH),
    Fault(graph.limit_ignored, "graph.limit", "25 nodes for limit 1", GRAPH),
    Fault(graph.relative_paging_links, "graph.paging_links", "is not an absolute URL", GRAPH),
    Fault(graph.paging_links_on_internal_host, "graph.paging_links", "points at http://graph-api.internal:8080", GRAPH),
    Fault(graph.auth_bypass_without_token, "graph.auth_enforced", "expected HTTP 400 code 104", GRAPH),
    Fault(graph.duplicate_post_accepted, "graph.duplicate_create", "code 3989", GRAPH),
    Fault(graph.unknown_task_accepted, "graph.unknown_task", "got (200, None, None)", GRAPH),
    Fault(graph.errors_without_www_authenticate, "graph.error_envelope", "WWW-Authenticate is missing", GRAPH),
    Fault(graph.forged_cursor_accepted, "graph.bad_cursor", "got (200, None, None)", GRAPH),
    Fault(graph.unknown_field_dropped, "graph.unknown_field", "got (200, None, None)", GRAPH),
    Fault(graph.bearer_token_ignored, "graph.token_placement", "token in Authorization: Bearer", GRAPH),
    Fault(graph.created_account_not_listed, "graph.create_then_list", "CONFIRMED but is not in the next GET", GRAPH),
    Fault(graph.summary_counts_the_page, "graph.summary_total", "summary.total_count", GRAPH),
    Fault(graph.search_query_ignored, "graph.search_query", "search_query=", GRAPH),
    Fault(graph.other_business_visible, "graph.tenant_isolation", "expected HTTP 400 code 100 subcode 33", GRAPH),
    Fault(graph.default_fields_include_name, "graph.default_fields", "expected exactly ['account_id', 'id']", GRAPH),
    Fault(graph.account_id_as_number, SCHEMA_RULE, "account_id", SCHEMA_GRAPH),
    Fault(graph.www_authenticate_word_of_another_code, "graph.error_envelope", '"invalid_token"', GRAPH),
    Fault(graph.limits_are_server_errors, "graph.limits", "expected HTTP 400 code 100", GRAPH),
    Fault(klayrai.malformed_key_is_400, "klayrai.auth.required", "expected HTTP 401 authentication_error", KLAYRAI),
    Fault(klayrai.revoked_key_accepted, "klayrai.auth.revoked_key", "expected HTTP 401", KLAYRAI),
    Fault(klayrai.unknown_parameters_checked_first, "klayrai.parameter_order", "with param 'page_size'", KLAYRAI),
    Fault(klayrai.validation_errors_are_422, "klayrai.envelope.code_status", "came with HTTP 422", KLAYRAI),
    Fault(klayrai.rate_limit_remaining_never_moves, "klayrai.rate_limit.consecutive", "after a request", KLAYRAI),
    Fault(graph_auth.expiry_not_checked, "graph.expired_token", "code 190 subcode 463", GRAPH),
    Fault(graph_auth.permission_not_checked, "graph.permission", "expected HTTP 403 code 200", GRAPH),
    Fault(graph_auth.appsecret_proof_ignored, "graph.appsecret_proof", "expected HTTP 400 code 100", GRAPH),
    Fault(graph_auth.version_header_fixed, "graph.version_echo", "for a request to v19.0", GRAPH),
    Fault(graph_auth.concurrent_duplicates_accepted, "graph.concurrent_create", "expected one 200", GRAPH),
    Fault(graph_auth.unknown_path_is_404, "graph.unknown_path", "expected HTTP 400 code 2500", GRAPH),
    Fault(graph_auth.unknown_account_accepted, "graph.create_unknown_account", "got (200, None, None)", GRAPH),
    Fault(graph_auth.asset_conflicts_accepted, "graph.create_asset_conflict", "expected HTTP 400 code 3946", GRAPH),
    Fault(wire.status_filter_case_insensitive, "klayrai.filter.status_case", "with param 'status'", KLAYRAI),
    Fault(wire.param_on_auth_errors, "klayrai.envelope.fields", "on a authentication_error", KLAYRAI),
    Fault(wire.hostile_query_is_500, "klayrai.hostile_input", "never a server error", KLAYRAI),
    Fault(wire.preflight_needs_key, "klayrai.cors", "a preflight got HTTP 401", KLAYRAI),
    Fault(wire.preflight_needs_token, "graph.cors", "a preflight got HTTP 400", GRAPH),
    Fault(wire.summary_case_insensitive, "graph.enum_case", "expected HTTP 400 code 100", GRAPH),
    Fault(wire.next_on_the_last_page, "graph.paging_boundaries", "paging.next (to an empty page)", GRAPH),
    Fault(wire.before_cursor_ignored, "graph.paging_boundaries", "did not give page", GRAPH),
    Fault(wire.error_data_not_json, "graph.error_fields", "error.error_data", GRAPH),
    Fault(wire.hostile_search_is_500, "graph.hostile_input", "never a server error", GRAPH),
    Fault(wire.suppress_http_code_ignored, "graph.suppress_http_code", "suppress_http_code=1", GRAPH),
    Fault(wire.json_post_body_ignored, "graph.create_encodings", "a JSON body", GRAPH),
    Fault(wire.batch_item_tokens_ignored, "graph.batch.item_token", "carries an unknown token", GRAPH),
    Fault(wire.batch_json_body_refused, "graph.batch.encodings", "a JSON body {batch", GRAPH),
    Fault(wire.batch_answers_by_completion, "graph.batch.order", "in item order", GRAPH),
    Fault(wire.batch_reads_from_a_snapshot, "graph.batch.write_then_read", "in the GET item after it", GRAPH),
]
# Servers that differ from the mock in ways the contract allows: the kit must pass them.
TOLERATED = [graph.www_authenticate_ascii_only]
