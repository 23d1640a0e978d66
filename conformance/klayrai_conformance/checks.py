"""The semantic rules as schemathesis checks: one `@schemathesis.check` per rule, named after its invariant id
(`klayrai.pagination.has_more` -> `klayrai_pagination_has_more`), run on every response schemathesis gets.

Importing this module registers the checks (schemathesis' registry is global); each acts only on the operations
its rule is about, so other schemas tested in the same process are left alone. The `st` CLI loads them with
`SCHEMATHESIS_HOOKS=klayrai_conformance.checks`.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from klayrai_conformance.exchange import Exchange
from klayrai_conformance.operation_rules import OPERATION_RULES

CHECK_RULES: dict[str, str] = {}  # check name -> rule id


def check_name(rule: str) -> str:
    return rule.replace(".", "_")


def _register(rule: str) -> None:
    operations = {op: rules[rule] for op, rules in OPERATION_RULES.items() if rule in rules}

    def check(ctx: Any, response: Any, case: Any) -> bool | None:
        function = operations.get(case.operation.definition.raw.get("operationId"))
        if function is None:
            return True  # schemathesis reads a true result as "skipped": not this rule's operation
        problems = function(Exchange.from_schemathesis(response))
        if problems:
            raise AssertionError("\n".join(problems))
        return None

    check.__name__ = check.__qualname__ = check_name(rule)
    check.__doc__ = f"Rule `{rule}` (openapi.yaml x-invariants)."
    schemathesis.check(check)
    CHECK_RULES[check.__name__] = rule


for _rule in dict.fromkeys(rule for rules in OPERATION_RULES.values() for rule in rules):
    _register(_rule)
