"""The kit's rules against the contract, and its small decisions (masking, loopback, writes, retries), in isolation."""

from __future__ import annotations

import schemathesis
import yaml
from klayrai_conformance.checks import CHECK_RULES
from klayrai_conformance.exchange import Exchange
from klayrai_conformance.http import Throttle, retry_delay
from klayrai_conformance.operation_rules import OPERATION_RULES
from klayrai_conformance.probes import PROBES, Finding, RuleOutcome
from klayrai_conformance.report import EXIT_CONFORMS, EXIT_KIT_ERROR, EXIT_VIOLATIONS, Report
from klayrai_conformance.rules import FIXTURE_ONLY, KIT_RULES, catalogue, spec_invariants
from klayrai_conformance.target import Credentials, Target, is_loopback, with_mock_defaults, writes_allowed
from schemathesis.checks import CHECKS

from mockserver.contract.secrets import Masker, mask
from mockserver.contract.spec import default_contract
from mockserver.resources import SPEC_PATH
from tests.paths import ROOT


def implemented() -> set[str]:
    return set(CHECK_RULES.values()) | set(PROBES)


def test_every_invariant_of_the_spec_has_a_check_or_a_probe_or_is_fixture_only() -> None:
    missing = set(spec_invariants()) - implemented() - set(FIXTURE_ONLY)
    assert not missing, f"x-invariants with no check or probe: {sorted(missing)}"


def invariant_ids(node: object) -> set[str]:
    """Every `x-invariants` id anywhere in openapi.yaml (top level, any path, operation or component)."""
    if isinstance(node, list):
        return set().union(*(invariant_ids(item) for item in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {item["id"] for item in node.get("x-invariants", []) if isinstance(item, dict) and "id" in item}
    return found.union(*(invariant_ids(value) for key, value in node.items() if key != "x-invariants"))


def test_every_x_invariants_id_in_the_yaml_has_a_registered_check_or_probe() -> None:
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    ids = invariant_ids(spec)
    assert len(ids) >= 50, sorted(ids)  # the walk finds them: 51 when written
    missing = ids - implemented() - set(FIXTURE_ONLY)
    assert not missing, f"x-invariants with no registered check or probe: {sorted(missing)}"


def test_every_rule_of_the_kit_is_an_invariant_of_the_spec_or_a_declared_kit_rule() -> None:
    unknown = implemented() - set(spec_invariants()) - set(KIT_RULES)
    assert not unknown, f"rules the spec does not list: {sorted(unknown)}"


def test_fixture_only_rules_are_in_the_spec_and_not_implemented() -> None:
    assert set(FIXTURE_ONLY) <= set(spec_invariants())
    assert not set(FIXTURE_ONLY) & implemented()


def test_check_names_map_one_to_one_to_rule_ids() -> None:
    assert len(set(CHECK_RULES.values())) == len(CHECK_RULES)
    assert all(name == rule.replace(".", "_") for name, rule in CHECK_RULES.items())
    assert set(CHECK_RULES) <= set(CHECKS.get_all_names())


def test_checks_act_only_on_operations_of_the_contract() -> None:
    assert set(OPERATION_RULES) == set(default_contract().operations)


def test_catalogue_ids_are_unique_and_described() -> None:
    rules = catalogue()
    assert len({rule.id for rule in rules}) == len(rules)
    assert all(rule.description for rule in rules)
    assert {rule.api for rule in rules} == {"klayrai", "meta", "any", "cross_api"}


def test_schemathesis_is_the_pinned_major_version() -> None:
    assert schemathesis.__version__.startswith("4.")


# ---- target decisions


def test_mask_shows_only_both_ends() -> None:
    assert mask("klyr_live_abc123def456ghi789") == "klyr_l...i789"
    assert mask("EAAGagency0valid0token") == "EAAGag...oken"
    assert mask("short") == "sh..."
    assert mask("tiny") == "***"


def test_masker_hides_raw_and_url_encoded_secrets() -> None:
    masker = Masker(["EAAG/x+y=token0000"])
    text = masker("?access_token=EAAG%2Fx%2By%3Dtoken0000 and EAAG/x+y=token0000")
    assert "token0000" not in text.replace("...", "") and text.count("EAAG/x...0000") == 2


def test_loopback_decision_needs_no_dns() -> None:
    for url in (
        "http://127.0.0.1:4010",
        "http://localhost",
        "http://[::1]:80",
        "http://127.8.9.10",
        "http://a.localhost",
    ):
        assert is_loopback(url), url
    for url in ("https://api.klayrai.com", "http://10.0.0.1", "http://0.0.0.0:4010", "http://localhost.example.com"):
        assert not is_loopback(url), url


def test_writes_only_on_loopback_unless_asked() -> None:
    assert writes_allowed(["http://127.0.0.1:1"], None)
    assert not writes_allowed(["http://127.0.0.1:1", "https://graph.example.com"], None)
    assert not writes_allowed(["https://staging.example.com"], None)
    assert writes_allowed(["https://staging.example.com"], True)
    assert not writes_allowed(["http://127.0.0.1:1"], False)


def test_mock_defaults_only_for_loopback_and_never_over_given_values() -> None:
    given = Credentials(klayrai_key="klyr_live_mine0000000000")
    local, filled = with_mock_defaults(given, "http://127.0.0.1:4010", "https://graph.example.com")
    assert local.klayrai_key == "klyr_live_mine0000000000" and local.klayrai_key_lower_plan
    assert local.graph_token is None and not any(name.startswith("graph") for name in filled)
    remote, filled = with_mock_defaults(Credentials(), "https://a.example.com", "https://b.example.com")
    assert remote == Credentials() and filled == set()


# ---- politeness


def exchange(status: int, headers: dict[str, str], body: bytes = b"{}") -> Exchange:
    return Exchange("GET", "http://t/x", {}, b"", status, headers, body)


def test_retry_delay_reads_retry_after_and_graph_throttling() -> None:
    assert retry_delay(exchange(429, {"retry-after": "7"})) == 7
    assert retry_delay(exchange(429, {})) == 1.0
    assert retry_delay(exchange(200, {})) is None
    throttled = b'{"error": {"code": 80004, "is_transient": true}}'
    usage = '{"1": [{"estimated_time_to_regain_access": 2}]}'
    assert retry_delay(exchange(400, {"x-business-use-case-usage": usage}, throttled)) == 120
    assert retry_delay(exchange(400, {}, b'{"error": {"code": 100}}')) is None


def test_throttle_spaces_requests() -> None:
    now = [0.0]
    throttle = Throttle(4.0, clock=lambda: now[0])
    throttle.wait()
    assert throttle.next_at == 0.25
    assert Throttle(None).interval == 0


# ---- exit codes


def report_with(*statuses: str, errors: tuple[str, ...] = ()) -> Report:
    report = Report(Target("http://127.0.0.1:1", "http://127.0.0.1:1"), writes=True, errors=list(errors))
    for number, status in enumerate(statuses):
        report.outcomes[f"rule{number}"] = RuleOutcome(f"rule{number}", "klayrai", status, [Finding("r", "m")])
    return report


def test_exit_codes_keep_violations_apart_from_errors_of_the_kit() -> None:
    assert report_with("passed", "skipped").exit_code == EXIT_CONFORMS
    assert report_with("passed", "failed", "error").exit_code == EXIT_VIOLATIONS
    assert report_with("passed", "error").exit_code == EXIT_KIT_ERROR
    assert report_with("passed", errors=("schemathesis: network error",)).exit_code == EXIT_KIT_ERROR


def test_the_readme_describes_every_rule() -> None:
    readme = (ROOT / "conformance" / "README.md").read_text(encoding="utf-8")
    missing = [rule.id for rule in catalogue() if f"| `{rule.id}` |" not in readme]
    assert not missing, f"rules missing from conformance/README.md: {missing}"
