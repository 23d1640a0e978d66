"""The four parts of the Redis state backend (see mockserver.state_redis): the in-memory classes, with every
decision that other processes must see made in Redis instead."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mockserver.backend import StaleState, StateUnavailable
from mockserver.contract.spec import Contract
from mockserver.controls.prefer import Directive, PreferenceError
from mockserver.controls.scenario_file import rule_problems
from mockserver.journal import Entry, Journal, masked, select
from mockserver.ratelimit import Policy, RateLimiter, Usage, tally
from mockserver.scenarios import Rule, Scenarios
from mockserver.store import Store
from mockserver.world.records import Relation, World

if TYPE_CHECKING:
    from mockserver.state_redis import RedisState

Json = dict[str, Any]


class RedisStore(Store):
    """Relations created by POSTs and approvals: decided in Redis, then applied here from the shared log."""

    def __init__(self, world: World, state: RedisState) -> None:
        self.state = state
        self.first_seq = len(world.relations) + 1
        self.seeded = {(r.business_id, r.ad_account_id): r for r in world.relations}
        super().__init__(world)

    def request_access(self, business_id: str, ad_account_id: str, tasks: tuple[str, ...]) -> Relation | str:
        # Locally, only the seeded relations are certain; whether one was made at run time, Redis decides.
        refusal, status = self.judge(business_id, ad_account_id, self.seeded)
        if refusal:
            return refusal
        seq = self.relate(Relation(business_id, ad_account_id, tasks, status, 0), "")
        return "graph_3989" if seq is None else self.relations[(business_id, ad_account_id)]

    def approve(self, business_id: str, ad_account_id: str) -> Relation | None:
        seeded = self.seeded.get((business_id, ad_account_id))
        current = self.relations.get((business_id, ad_account_id))
        tasks = current.permitted_tasks if current is not None else ()
        seq = self.relate(
            Relation(business_id, ad_account_id, tasks, "CONFIRMED", 0), seeded.access_status if seeded else "NONE"
        )
        return None if seq is None else self.relations[(business_id, ad_account_id)]

    def relate(self, relation: Relation, required: str) -> int | None:
        """Run the RELATE script, catching up first if another process reset; the seq made, None if refused."""
        state = self.state
        record = json.dumps(
            {"business_id": relation.business_id, "ad_account_id": relation.ad_account_id,
             "permitted_tasks": list(relation.permitted_tasks), "access_status": relation.access_status}
        )  # fmt: skip
        keys = [state.key("epoch"), state.key("rel"), state.key("log")]
        field = f"{relation.business_id}|{relation.ad_account_id}"
        for _ in range(3):
            with state.engine():
                seq = state.relate_script(
                    keys, [state.epoch, field, relation.access_status, record, required, self.first_seq]
                )
            if seq is None:
                state.refresh()
                continue
            seq = int(seq)  # 0: refused
            if seq == self.first_seq + state.applied:  # the only change since this process last looked
                self.apply(dataclasses.replace(relation, seq=seq))
                state.applied += 1
            elif seq:
                state.touch([], "*")  # applies the changes of other processes, then this one, in order
            return seq or None
        raise StateUnavailable("the shared state was reset three times while a relation was being created")


class RedisScenarios(Scenarios):
    def __init__(self, contract: Contract, seed: int, specs: list[Json], state: RedisState) -> None:
        self.state = state
        super().__init__(contract, seed, specs)

    def add(self, spec: Json) -> Rule:
        problems = rule_problems(self.contract, spec, "rule")
        if problems:
            raise PreferenceError("; ".join(problems))

        def change(data: Json) -> list[str]:
            data["rules"] = [r for r in data["rules"] if r["name"] != spec["name"]] + [spec]
            return [spec["name"]]

        self.state.change_controls(change)
        return next(r for r in self.rules if r.name == spec["name"])

    def remove(self, name: str) -> bool:
        found = False

        def change(data: Json) -> list[str]:
            nonlocal found
            kept = [r for r in data["rules"] if r["name"] != name]
            found = len(kept) != len(data["rules"])
            data["rules"] = kept
            return [name]

        self.state.change_controls(change)
        return found

    def clear(self) -> None:
        def change(data: Json) -> list[str]:
            names = [r["name"] for r in data["rules"]]
            data["rules"] = []
            return names

        self.state.change_controls(change)

    def decide(
        self,
        operation_id: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: Mapping[str, Any],
        credential: str | None,
    ) -> Directive | None:
        matching = [r for r in self.rules if r.matches(operation_id, query, headers, body, credential)]
        if not matching:
            return None
        state = self.state
        args: list[Any] = [state.epoch, state.gen, self.seed]
        for rule in matching:
            times = -1 if rule.times is None else rule.times
            args += [rule.name, rule.after, times, rule.probability, int(self.documented(operation_id, rule))]
        keys = [state.key(n) for n in ("epoch", "gen", "seen", "fired", "draws")]
        with state.engine():
            name = state.decide_script(keys, args)
        if name is None:
            state.touch([], "*")
            raise StaleState
        return next((self.directive_of(r) for r in matching if r.name == name), None)


class RedisLimiter(RateLimiter):
    def __init__(self, default: Policy, state: RedisState) -> None:
        self.state = state
        super().__init__(default)

    def set_policies(self, policies: list[Policy]) -> None:
        def change(data: Json) -> list[str]:
            data["policies"] = [policy_json(p) for p in policies]
            data["limits"] = data.get("limits", 0) + 1
            return []

        self.state.change_controls(change)

    def hit(self, operation_id: str | None, credential: str) -> Usage:
        """Counted only under the rules and policies this process knows to be current; otherwise StaleState and the
        pipeline checks again. (Should they change between a rule's decision and this count, the rerun counts the
        rule's `seen` twice: a window of one process's microseconds, accepted.)"""
        state = self.state
        applicable = self.applicable(operation_id, credential, self.clock())
        limits = [
            (f"{policy.name}:{credential}:{start}", int((start + policy.window) * 1000) + 1000)
            for policy, start in applicable
        ]
        _, _, _, counts = state.touch(limits, state.gen)
        if not counts:
            raise StaleState
        return tally([(policy, start, count) for (policy, start), count in zip(applicable, counts, strict=True)])


class RedisJournal(Journal):
    def __init__(self, capacity: int, state: RedisState) -> None:
        self.state = state
        super().__init__(capacity)

    def record(self, **fields: Any) -> Entry:
        entry = Entry(id=0, **masked(fields))
        self.state.enqueue(json.dumps(entry._asdict()))
        return entry

    @property
    def total(self) -> int:
        with self.state.engine():
            return int(self.state.client.get(self.state.key("total")) or 0)

    def query(
        self,
        operation_id: str | None = None,
        status: int | None = None,
        limit: int = 100,
        violations: bool = False,
        since: float | None = None,
    ) -> list[dict[str, Any]]:
        with self.state.engine():
            raw = self.state.client.lrange(self.state.key("journal"), 0, -1)
        entries = ({**json.loads(text), "id": int(number)} for number, _, text in (i.partition("|") for i in raw))
        return select(entries, operation_id, status, limit, violations, since)

    @property
    def dropped(self) -> int:
        """Entries recorded but no longer kept (pushed out by the bound, or cleared)."""
        with self.state.engine():
            kept = self.state.client.llen(self.state.key("journal"))
        return max(0, self.total - kept)

    def clear(self) -> None:
        with self.state.engine():
            self.state.client.delete(self.state.key("journal"))


def policy_json(policy: Policy) -> Json:
    return {
        "name": policy.name,
        "limit": policy.limit,
        "window": policy.window,
        "operation": policy.operation,
        "credential": policy.credential,
    }
