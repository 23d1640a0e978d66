"""The proxy's one door into the conformance kit (`klayrai_conformance`): if the kit's API changes, this module is
the only one to mend.

What the proxy takes from the kit: its exchange type, its table of the rules that judge a single exchange (the
same functions its schemathesis checks run, by rule id; `operation_rules` imports no schemathesis), and its curl
rendering and credential masking.
"""

from __future__ import annotations

import logging

from klayrai_conformance.exchange import Exchange, Masker, Violation
from klayrai_conformance.operation_rules import OPERATION_RULES, Rule

logger = logging.getLogger("mockserver.proxy")

SECRET_PARAMS = ("access_token", "appsecret_proof")
SECRET_HEADERS = ("x-api-key", "authorization")
MIN_SECRET = 6  # shorter values are no real credential, and masking them would garble every text they occur in

__all__ = ["Exchange", "judge", "masker", "rules_for"]


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


def secrets(exchange: Exchange) -> list[str]:
    """Every credential the request carries: keys, tokens (query, form or JSON body, header), appsecret_proof."""
    found = [value for name, value in exchange.query if name in SECRET_PARAMS]
    for name in SECRET_PARAMS:
        value = exchange.body_params().get(name)
        found += value if isinstance(value, list) else [value] if isinstance(value, str) else []
    for name in SECRET_HEADERS:
        value = exchange.request_headers.get(name, "")
        found += [value, *value.split()[1:]] if value else []
    return [str(secret) for secret in found if len(str(secret)) >= MIN_SECRET]


def masker(exchange: Exchange) -> Masker:
    return Masker(secrets(exchange))
