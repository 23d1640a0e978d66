"""The in-memory world both APIs read, and the state that POSTs change.

A `World` is the immutable seeded data (`mockserver.world.records`: what a world file holds); a `Store` is a world plus
the client relations made at run time, as this process knows them, with the indexes the hot paths need. It keeps,
never decides: a state backend decides a POST or an approval (`mockserver.state.decisions`) and `apply`s the
change, in the order it was made. `Store.reset()` goes back to the seed.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable

from mockserver.world.records import Connection, Relation, World


class ConnectionIndex:
    """A workspace's connections in contract order, and the same order per connection status."""

    def __init__(self, connections: Iterable[Connection]) -> None:
        self.all: list[Connection] = sorted(connections, key=lambda c: c.sort_key)
        self.by_status: dict[str, list[Connection]] = {}
        for connection in self.all:
            self.by_status.setdefault(connection.connection_status, []).append(connection)

    def select(self, status: str | None) -> list[Connection]:
        return self.all if status is None else self.by_status.get(status, [])


class ClientAccounts:
    """One agency business's confirmed client ad accounts, ordered by `seq` (when they became clients)."""

    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.relations: list[Relation] = []

    def add(self, relation: Relation) -> None:
        if not self.seqs or relation.seq > self.seqs[-1]:  # the usual case: a new client comes last
            self.seqs.append(relation.seq)
            self.relations.append(relation)
            return
        position = bisect.bisect(self.seqs, relation.seq)
        self.seqs.insert(position, relation.seq)
        self.relations.insert(position, relation)


class Store:
    """A world plus its mutable state; `version` grows on every change, for caches keyed by it."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.first_change = len(world.relations) + 1  # the seq of the first relation made at run time
        self.lock = threading.Lock()
        self.version = 0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            by_workspace: dict[str, list[Connection]] = {w: [] for w in self.world.workspaces}
            for connection in self.world.connections:
                by_workspace[connection.workspace_id].append(connection)
            self.connections = {w: ConnectionIndex(cs) for w, cs in by_workspace.items()}
            self.relations: dict[tuple[str, str], Relation] = {}
            self.clients: dict[str, ClientAccounts] = {b: ClientAccounts() for b in self.world.businesses}
            self.next_seq = 1
            for r in self.world.relations:  # copies: the world's own records never change
                self._insert(Relation(r.business_id, r.ad_account_id, r.permitted_tasks, r.access_status, r.seq))
            self.version += 1

    def apply(self, relation: Relation) -> None:
        """A change the state backend made (or read from the shared log), applied in the order it was made."""
        with self.lock:
            self._insert(relation)
            self.version += 1

    def _insert(self, relation: Relation) -> None:
        self.relations[(relation.business_id, relation.ad_account_id)] = relation
        if relation.access_status == "CONFIRMED":
            self.clients.setdefault(relation.business_id, ClientAccounts()).add(relation)
        self.next_seq = max(self.next_seq, relation.seq + 1)

    # ---- KlayrAI reads

    def workspace_connections(self, workspace_id: str, status: str | None) -> list[Connection]:
        return self.connections[workspace_id].select(status)

    # ---- client relations

    def client_accounts(self, business_id: str) -> ClientAccounts:
        return self.clients.get(business_id) or ClientAccounts()

    def pending(self) -> list[Relation]:
        return [r for r in self.relations.values() if r.access_status == "PENDING"]
