"""Every statement of the contract (openapi.yaml's x-invariants and decisions, docs/decisions.md) is checked by a rule
of the kit, or declared not checkable against a real target with a reason."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import yaml
from klayrai_conformance.cli import main
from klayrai_conformance.rules import FIXTURE_ONLY, by_id
from klayrai_conformance.statements import CHECKED_BY, NOT_CHECKABLE, parse_decisions, rules_of, statements

from mockserver.resources import SPEC_PATH
from tests.paths import ROOT

DECISIONS = ROOT / "docs" / "decisions.md"


def test_statement_ids_are_unique_and_many() -> None:
    ids = Counter(statement.id for statement in statements())
    assert not [name for name, count in ids.items() if count > 1]
    assert len(ids) >= 140, len(ids)  # 62 invariants, 12 annotations, 79 decisions when written


def test_every_statement_has_a_rule_or_says_why_none_can_check_it() -> None:
    unchecked = [
        s.id for s in statements() if not rules_of(s) and s.id not in NOT_CHECKABLE and s.id not in FIXTURE_ONLY
    ]
    assert not unchecked, f"statements no rule checks: {unchecked}"


def test_the_rules_named_exist_and_the_tables_name_only_statements() -> None:
    rules = by_id()
    named = {rule for s in statements() if s.id not in FIXTURE_ONLY for rule in rules_of(s)}
    assert not named - set(rules), f"unknown rules: {sorted(named - set(rules))}"
    ids = {s.id for s in statements()}
    assert not (set(CHECKED_BY) | set(NOT_CHECKABLE)) - ids
    assert not set(CHECKED_BY) & set(NOT_CHECKABLE)


def test_the_packaged_decisions_are_the_docs_page() -> None:
    assert [s.id for s in parse_decisions(DECISIONS.read_text(encoding="utf-8"))] == [
        s.id for s in statements() if s.where.startswith("docs/decisions.md")
    ]
    assert "CONTRACT" not in DECISIONS.read_text(encoding="utf-8")


def nodes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for item in node for found in nodes(item)]
    if not isinstance(node, dict):
        return []
    return [node, *(found for value in node.values() for found in nodes(value))]


def test_every_decision_of_openapi_yaml_has_the_ids_of_its_statements() -> None:
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    decided = [n for n in nodes(spec) if "Decision (ours)" in str(n.get("description", ""))]
    missing = [str(n.get("description"))[:60] for n in decided if not n.get("x-decisions")]
    assert len(missing) <= 1, missing  # info's description explains the convention itself
    documented = {s.id for s in statements() if s.where.startswith("docs/decisions.md")}
    referenced = {name for n in nodes(spec) for name in n.get("x-decisions", [])}
    assert referenced and not referenced - documented, sorted(referenced - documented)


def test_the_cli_lists_every_statement_with_its_rules() -> None:
    out = io.StringIO()
    assert main(["rules", "--statements"], out=out) == 0
    text = out.getvalue()
    assert all(f"{s.id}  (" in text for s in statements())
    assert "-> graph.paging_boundaries" in text and "not checkable against a real target: a control" in text
