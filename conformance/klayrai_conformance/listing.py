"""`conformance rules`: the kit's rules, and (`--statements`) every statement of the contract with the rules that
check it or the reason no run against a real target can."""

from __future__ import annotations

from typing import TextIO


def list_rules(api: str, out: TextIO) -> int:
    from klayrai_conformance.rules import FIXTURE_ONLY, catalogue

    for rule in catalogue():
        if api != "all" and rule.api not in (api, "any"):
            continue
        how = f"fixture-only: {FIXTURE_ONLY[rule.id]}" if rule.id in FIXTURE_ONLY else rule.how
        out.write(f"{rule.id:45} [{how}] {rule.description}\n")
    return 0


def list_statements(out: TextIO) -> int:
    """Every statement (id, where it is stated, its text on one line) and the rules that check it, or why none can."""
    from klayrai_conformance.rules import FIXTURE_ONLY
    from klayrai_conformance.statements import NOT_CHECKABLE, rules_of, statements

    for statement in statements():
        reason = NOT_CHECKABLE.get(statement.id) or FIXTURE_ONLY.get(statement.id)
        checked = f"not checkable against a real target: {reason}" if reason else ", ".join(rules_of(statement))
        text = statement.text if len(statement.text) <= 110 else statement.text[:107] + "..."
        out.write(f"{statement.id}  ({statement.where})\n    {text}\n    -> {checked}\n")
    return 0
