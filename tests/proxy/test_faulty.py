"""The proxy in front of each faulty server of tests/faulty/: a client's ordinary traffic (tests/proxy/support.py)
through it, and the fault's rule is reported in the `x-contract-violations` header, the journal and the JUnit file.

Faults that only show across several exchanges or with knowledge of the world (a page walk, two keys, a POST then a
GET) are the conformance kit's probes' job; they are listed with the reason, so every faulty server is accounted for.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from mockserver.testing import serve_in_thread
from tests.faulty import FAULTS, Fault
from tests.proxy.support import INVALID, VALID, proxy_to, send

REPORTED = {  # fault -> the rule the proxy reports for it
    "campaign_count_as_string": "response.schema",
    "missing_connected_by": "response.schema",
    "problem_json_errors": "klayrai.envelope.request_id",
    "has_more_from_page_length": "klayrai.pagination.has_more",
    "status_filter_ignored": "klayrai.filter.status",
    "total_of_unfiltered_set": "klayrai.pagination.page_length",
    "request_id_mismatch": "klayrai.envelope.request_id",
    "unknown_parameter_ignored": "response.invalid_accepted",
    "version_echoes_anything": "klayrai.version.echo",
    "rate_limit_reset_in_ms": "klayrai.rate_limit.headers",
    "closed_with_active": "klayrai.account.closed_has_no_active",
    "fields_ignored": "graph.fields_projection",
    "limit_ignored": "graph.limit",
    "relative_paging_links": "graph.paging_links",
    "paging_links_on_internal_host": "graph.paging_links",
    "auth_bypass_without_token": "graph.auth_enforced",
    "unknown_task_accepted": "graph.unknown_task",
    "errors_without_www_authenticate": "graph.error_envelope",
    "unknown_field_dropped": "response.invalid_accepted",
    "summary_counts_the_page": "graph.summary_total",
    "search_query_ignored": "graph.search_query",
    "default_fields_include_name": "graph.default_fields",
    "account_id_as_number": "response.schema",
    "www_authenticate_word_of_another_code": "graph.error_envelope",
    "validation_errors_are_422": "klayrai.envelope.code_status",
}
ACROSS_EXCHANGES = {  # fault -> why one exchange cannot show it
    "page_off_by_one": "each page is well-formed; only a walk sees the repeated account",
    "lower_plan_is_401": "a 401 is documented; which plan a key is on is the backend's knowledge",
    "params_checked_before_auth": "a 400 is documented; the order of checks shows with two faults in one request",
    "tenant_leak": "needs two keys and their workspaces",
    "past_end_is_400": "a 400 is documented; the page count is known only from another page",
    "cursor_wraps_around": "each page is well-formed; only a walk sees the loop",
    "duplicate_post_accepted": "needs the same POST twice",
    "forged_cursor_accepted": "cursors are opaque: only their issuer knows a forged one",
    "bearer_token_ignored": "a 400 code 104 is documented; no single-exchange rule ties it to the Bearer header sent",
    "created_account_not_listed": "needs a POST then a GET",
    "other_business_visible": "which businesses a token sees is the backend's knowledge",
    "malformed_key_is_400": "the client's traffic sends no malformed key; the kit's probe does",
    "revoked_key_accepted": "which keys are revoked is the backend's knowledge",
    "unknown_parameters_checked_first": "the order of checks shows only with two faults in one request",
    "rate_limit_remaining_never_moves": "needs consecutive requests",
    "expiry_not_checked": "which tokens have expired is the backend's knowledge",
    "permission_not_checked": "which tokens hold the edge's permission is the backend's knowledge",
    "appsecret_proof_ignored": "telling a wrong proof needs the app secret",
    "version_header_fixed": "the client's traffic asks for one version only; the kit's probe asks for others",
    "concurrent_duplicates_accepted": "needs concurrent POSTs of one account",
    "unknown_path_is_404": "an unknown path has no documented answer to judge (reported as request.route)",
    "unknown_account_accepted": "which ad accounts exist is the backend's knowledge",
    "asset_conflicts_accepted": "which ad accounts the business owns is the backend's knowledge",
    "status_filter_case_insensitive": "the client's traffic spells `status` right; the kit's probe misspells it",
    "param_on_auth_errors": "no single-exchange rule of the proxy judges `error.param` (the kit's probe does)",
    "hostile_query_is_500": "the client's traffic sends no hostile input; the kit's probe does",
    "preflight_needs_key": "the client's traffic sends no CORS preflight; the kit's probe does",
    "preflight_needs_token": "the client's traffic sends no CORS preflight; the kit's probe does",
    "summary_case_insensitive": "the client's traffic spells `summary` right; the kit's probe misspells it",
    "next_on_the_last_page": "a `next` link is documented; only a walk sees the empty page after it",
    "before_cursor_ignored": "each page is well-formed; only a walk back compares pages",
    "error_data_not_json": "no single-exchange rule of the proxy judges `error.error_data` (the kit's probe does)",
    "hostile_search_is_500": "the client's traffic sends no hostile input; the kit's probe does",
    "suppress_http_code_ignored": "the client's traffic sends no `suppress_http_code`; the kit's probe does",
    "json_post_body_ignored": "a 400 code 100 is documented; only the same POST in another encoding tells it",
    "batch_item_tokens_ignored": "the client's traffic sends no batch item with its own token; the kit's probe does",
    "batch_json_body_refused": "a 400 code 100 is documented; only the same batch as a form field tells it",
    "batch_answers_by_completion": "each answer is well-formed; only the items sent tell their order",
    "batch_reads_from_a_snapshot": "each answer is well-formed; only the items before a GET tell what it must see",
    "limits_are_server_errors": "the client's traffic stays within the limits; the kit's probe goes past them",
}


def test_every_faulty_server_is_accounted_for() -> None:
    names = {fault.name for fault in FAULTS}
    assert set(REPORTED) | set(ACROSS_EXCHANGES) == names
    assert not set(REPORTED) & set(ACROSS_EXCHANGES)


@pytest.mark.parametrize("fault", [f for f in FAULTS if f.name in REPORTED], ids=lambda f: f.name)
def test_fault_is_reported(fault: Fault, tmp_path: Path) -> None:
    rule = REPORTED[fault.name]
    junit = tmp_path / "proxy.xml"
    with serve_in_thread(app=fault.build()) as upstream, proxy_to(upstream.base_url, junit=junit) as (base, _):
        answers = send(base, VALID + INVALID)
        journal = httpx.get(f"{base}/__mock/journal", params={"violations": "true", "limit": 1000}).json()
    headers = [answer.headers.get("x-contract-violations", "") for answer in answers]
    assert any(rule in value.split(", ") for value in headers), headers
    assert any(rule in entry["violations"] for entry in journal["entries"])
    cases = {case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")}
    failure = cases[rule].find("failure")
    assert failure is not None and "exchanges broke it" in failure.get("message", "")
