"""The ad accounts a `POST /{business}/client_ad_accounts` can name, by outcome, for each business a usable token
manages: so that a user (or the dashboard) can pick one that is accepted, left pending or refused, instead of
guessing. Judged by the one rule of `state.decisions.judge` against the relations of the moment."""

from __future__ import annotations

from typing import Any

from mockserver.apis.graph.surface import DEFAULT_VERSION
from mockserver.state import decisions
from mockserver.state.store import Store

SHOWN = 5  # ad accounts listed per outcome (and per refusal); a large world has thousands


def post_targets(store: Store) -> list[dict[str, Any]]:
    """Per business of a valid, permitted token: `accepted` (CONFIRMED at once), `pending` (the owner approves),
    `conflict` (refusal example name -> ad accounts), each with a ready path."""
    world = store.world
    businesses = {b for t in world.tokens.values() if not t.expired and t.can_manage for b in t.business_ids}
    found = []
    for business_id in sorted(businesses):
        accepted: list[str] = []
        pending: list[str] = []
        conflict: dict[str, list[str]] = {}
        for account_id in world.ad_accounts:
            refusal, status = decisions.judge(world, business_id, account_id, store.relations)
            bucket = conflict.setdefault(refusal, []) if refusal else accepted if status == "CONFIRMED" else pending
            if len(bucket) < SHOWN:
                bucket.append(account_id)
        found.append(
            {
                "business_id": business_id,
                "path": f"/{DEFAULT_VERSION}/{business_id}/client_ad_accounts",
                "accepted": accepted,
                "pending": pending,
                "conflict": conflict,
            }
        )
    return found
