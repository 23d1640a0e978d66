"""Which of the kit's rules judge one exchange of which operation: the table the schemathesis checks
(`klayrai_conformance.checks`) and the mock's validating proxy both read. It imports no schemathesis, so a
process that only judges exchanges starts fast."""

from __future__ import annotations

from collections.abc import Callable

from klayrai_conformance import graph_create_rules, graph_rules, klayrai_rules
from klayrai_conformance.exchange import Exchange

Rule = Callable[[Exchange], list[str]]

# operationId -> the rules that read its exchanges
OPERATION_RULES: dict[str, dict[str, Rule]] = {
    "listAccounts": klayrai_rules.RULES,
    "listClientAdAccounts": {**graph_rules.LIST_RULES, **graph_rules.ANY_RULES},
    "createClientAdAccount": {**graph_create_rules.CREATE_RULES, **graph_rules.ANY_RULES},
    # the batch, at its three paths: its own rules need requests of their own (probes_batch)
    "graphBatch": graph_rules.ANY_RULES,
    "graphBatchNoSlash": graph_rules.ANY_RULES,
    "graphBatchRoot": graph_rules.ANY_RULES,
}
