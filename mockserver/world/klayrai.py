"""The KlayrAI side of a world: workspaces, their teams, and the accounts that connect Meta ad accounts to them.

Connecting is where the two APIs meet: each KlayrAI account gets its Meta ad account from `GraphSide` in the same
step, so that the spend KlayrAI reports and the amounts Graph reports come from one budget."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from mockserver.world import handwritten
from mockserver.world.clock import DAY, HOUR, NOW_TS, stamp
from mockserver.world.credentials import (
    AGENCY_WORKSPACE,
    API_KEYS,
    DEMO_WORKSPACE,
    OTHER_WORKSPACE,
    REVOKED_WORKSPACE,
    STARTER_WORKSPACE,
)
from mockserver.world.draws import Draws, Weighted, unique
from mockserver.world.graph import GraphSide, Slot
from mockserver.world.vocabulary import (
    ACCOUNT_STATUS_WEIGHTS,
    ACCOUNT_STATUSES,
    CONNECTION_STATUSES,
    CONNECTION_WEIGHTS,
    MONEY,
    PERMISSION_SETS,
    PERMISSION_WEIGHTS,
    STOPPED_CODES,
    USER_ID_ALPHABET,
)

Json = dict[str, Any]
PERMISSIONS_PICK = Weighted(PERMISSION_SETS, PERMISSION_WEIGHTS)


def workspaces(agency_name: str, other_agency_name: str, starter_name: str, revoked_name: str) -> list[Json]:
    """The five workspaces, each with its one API key, in the order the world file lists them."""
    rows = [
        (DEMO_WORKSPACE, "KlayrAI Demo Workspace", "agency", API_KEYS["demo"], False),
        (AGENCY_WORKSPACE, agency_name, "agency", API_KEYS["agency"], False),
        (STARTER_WORKSPACE, starter_name, "starter", API_KEYS["starter"], False),
        (REVOKED_WORKSPACE, revoked_name, "agency", API_KEYS["revoked"], True),
        (OTHER_WORKSPACE, other_agency_name, "agency", API_KEYS["other"], False),
    ]
    return [
        {"id": wid, "name": name, "plan": plan, "api_keys": [{"key": key, "revoked": revoked}]}
        for wid, name, plan, key, revoked in rows
    ]


class KlayrAISide:
    """Accumulates the KlayrAI accounts of one world; every random choice goes through `draws`."""

    def __init__(self, draws: Draws, graph: GraphSide) -> None:
        self.draws = draws
        self.graph = graph
        self.accounts: list[Json] = handwritten.doc_accounts()

    def team(self, count: int) -> list[str]:
        """A workspace's team: the users who connect its accounts."""
        fake, rng = self.draws.fake, self.draws.rng
        return unique("user_" + fake.lexify("?" * rng.randint(6, 10), letters=USER_ID_ALPHABET) for _ in range(count))

    def connect(
        self, workspace_id: str, slots: Sequence[Slot], team: Sequence[str], id_width: int, cover: bool
    ) -> list[str]:
        """Create the Meta ad accounts of `slots` and the workspace's KlayrAI accounts for them, in id order.

        Ids count up in `connectedAt` order, as a real counter would, which also shuffles the slots' business
        grouping. With `cover`, every connection status and account status appears. Returns the ad account ids in
        that order.
        """
        rand = self.draws.rand
        n = len(slots)
        connections = self.draws.spread(CONNECTION_STATUSES, CONNECTION_WEIGHTS, n, cover)
        codes = self.draws.spread(ACCOUNT_STATUSES, ACCOUNT_STATUS_WEIGHTS, n, cover)
        timeline: list[tuple[int, int, int]] = []
        for i, connection in enumerate(connections):
            if connection == "active":
                connected = NOW_TS - HOUR - int(rand() * 3 * 365 * DAY)
                synced = max(connected, NOW_TS - int(rand() * 6 * HOUR))
            else:  # syncing stopped a while ago
                synced = NOW_TS - 3 * DAY - int(rand() * 200 * DAY)
                connected = synced - HOUR - int(rand() * 2 * 365 * DAY)
            timeline.append((connected, i, synced))
        timeline.sort()

        permissions_pick, n_team, add_ad_account = PERMISSIONS_PICK.pick, len(team), self.graph.ad_account
        log, sqrt, cos, exp = math.log, math.sqrt, math.cos, math.exp
        meta_ids: list[str] = []
        for number, (connected, i, synced) in enumerate(timeline, start=1):
            connection, code = connections[i], codes[i]
            decimals, scale, rate = MONEY[slots[i][2]]
            stopped = code in STOPPED_CODES

            campaigns = min(int(-14 * log(1.0 - rand())), 180)  # exponential, mean 14
            active = 0 if stopped else int(campaigns * rand() ** 1.4)
            # log-normal monthly budget (median ~2700 USD), by Box-Muller from two uniforms
            normal = sqrt(-2 * log(1.0 - rand())) * cos(math.tau * rand())
            monthly = exp(7.9 + 1.1 * normal) * rate
            if connection == "active" and not stopped and active:
                spend_major = monthly * (0.6 + 0.7 * rand())
            else:  # nothing synced or nothing running: nothing or a trickle
                spend_major = 0.0 if rand() < 0.6 else (1 + 249 * rand()) * rate
            spend = round(spend_major, decimals)  # a float either way: round(x, 0) keeps the type

            meta_id = add_ad_account(slots[i], code, connected, monthly, round(spend * scale))
            meta_ids.append(meta_id)
            self.accounts.append(
                {
                    "workspace_id": workspace_id,
                    "id": f"act_{number:0{id_width}d}",
                    "metaAccountId": meta_id,
                    "connectionStatus": connection,
                    "permissions": list(permissions_pick(rand)),
                    "lastSyncedAt": stamp(synced, "Z"),
                    "campaignCount": campaigns,
                    "activeCampaignCount": active,
                    "totalSpendLast30d": spend,
                    "connectedAt": stamp(connected, "Z"),
                    "connectedBy": team[int(rand() * n_team)],
                }
            )
        return meta_ids

    def accounts_in_order(self, workspaces: list[Json]) -> list[Json]:
        """The accounts grouped by workspace, in the workspaces' order, id order kept within each (a stable sort)."""
        order = {workspace["id"]: n for n, workspace in enumerate(workspaces)}
        return sorted(self.accounts, key=lambda a: order[a["workspace_id"]])
