"""The proxy's one door into the conformance kit (`klayrai_conformance`): if the kit's API changes, this module is
the only one to mend.

What the proxy takes from the kit: its exchange type, its table of the rules that judge a single exchange (the
same functions its schemathesis checks run, by rule id; `operation_rules` imports no schemathesis), and its curl
rendering. Masking is `mockserver.contract.secrets`, shared with the mock and the kit.
"""

from __future__ import annotations

import logging

from klayrai_conformance.exchange import Exchange, Violation
from klayrai_conformance.operation_rules import OPERATION_RULES, Rule

logger = logging.getLogger("mockserver.proxy")

__all__ = ["Exchange", "judge", "rules_for"]


def rules_for(operation_id: str) -> dict[str, Rule]:
    return OPERATION_RULES.get(operation_id, {})


def judge(operation_id: str, exchange: Exchange) -> list[tuple[str, str]]:
    """`(rule id, problem)` for every kit rule of the operation the exchange breaks."""
    found = []
    for rule, check in rules_for(operation_id).items():
        try:
            problems = check(exchange)
        except Violation as violation:
            problems = [violation.message]
        except Exception:  # a bug of the kit must never cost the client its answer
            logger.exception("rule %s failed on %s %s", rule, exchange.method, exchange.path)
            continue
        found += [(rule, problem) for problem in problems]
    return found
