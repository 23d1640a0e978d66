"""The shared state backend: what changes lives in Redis, so many processes (workers, replicas behind a load
balancer) behave as one mock. The seeded world is immutable and never goes to Redis: every process generates the
same one, and only the changes are kept, under `mock:<digest>:` (a digest of the world, the scenario file and the
default limit, so two different worlds never mix):

    epoch          a token renewed by every reset (and set afresh when Redis comes back empty): a process that
                   sees a new one drops what it knew and reads everything again
    controls, gen  the rules and rate-limit policies in force (JSON; absent: the scenario file's) and its version
    seen           each rule's hit counter, by name and generation added
    rel, log       run-time client relations (business|account -> status) and every change, in order
    journal, total the journal (newest first, capped at --journal-size) and the number of requests recorded
    bodies         the journal's large response bodies, each kept once by digest, named by its entries
    answers        the answers counted for the coverage report, by name (`mockserver.controls.coverage`)
    limit:<epoch>:<n>:<policy>:<credential digest>:<window start>   rate-limit counters, expiring with their window
                   (n: the policies' changes so far, since a change restarts every counter)

Each process keeps views of what it read (relations applied to its `Store`, rules, policies) and catches up
whenever a call reports a newer epoch, generation or log. A request that reaches the rate limiter costs one round
trip, batched with those of concurrent requests (`mockserver.state.redis_link`): the COUNT script counts the
matching rules' hits and the rate-limit windows and returns the versions. A request that counts nothing (a 401, a
forced `Prefer`) costs none; journal entries ride along with the next batch.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import itertools
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from mockserver.contract.spec import Contract
from mockserver.settings import Settings
from mockserver.state import decisions, scripts
from mockserver.state.interface import Admission, StaleState, StateUnavailable
from mockserver.state.limits import Policy, RateLimiter, Window, policy_json
from mockserver.state.redis_answers import RedisAnswers
from mockserver.state.redis_journal import RedisJournal
from mockserver.state.redis_link import Link
from mockserver.state.scenarios import ScenarioRule, Scenarios
from mockserver.state.store import Store
from mockserver.world.records import Relation, World

Json = dict[str, Any]
DROPPED_ON_RESET = ("controls", "gen", "seen", "rel", "log", "journal", "bodies", "answers")
RETRIES = 3
START_TIMEOUT = 5.0  # seconds the start-up check waits for Redis at most


class RedisState:
    """The views of the shared state, kept in step with Redis over one `Link` per process."""

    def __init__(
        self, link: Link, namespace: str, settings: Settings, contract: Contract, world: World, specs: list[Json],
        policies: list[Policy],
    ) -> None:  # fmt: skip
        self.link = link
        self.ns = namespace
        self.file_policies = policies
        self.epoch, self.gen, self.applied, self.limits = "", "", 0, 0
        self.seeded = {(r.business_id, r.ad_account_id): r for r in world.relations}
        self.catching_up = asyncio.Lock()
        self.token, self.tokens = uuid.uuid4().hex, itertools.count()
        self.store = Store(world)
        self.scenarios = Scenarios(contract, settings.seed, specs)
        self.limiter = RateLimiter(Policy.parse("default", settings.rate_limit))
        self.limiter.policies = list(policies)
        self.journal = RedisJournal(settings.journal_size, link, self.key)
        self.tally = RedisAnswers(link, self.key)

    @classmethod
    async def connect(
        cls, settings: Settings, contract: Contract, world: World, specs: list[Json], policies: list[Policy]
    ) -> RedisState:
        """Connect and read the shared state; StateUnavailable (the CLI exits 2) when Redis cannot be reached."""
        assert settings.state is not None
        try:  # start-up may wait longer than a request: a loaded machine starting many processes is no fault
            link = Link(settings.state, max(settings.state_timeout, START_TIMEOUT))
        except ValueError as exc:
            raise StateUnavailable(f"--state must be redis://host:port/db: {exc}") from None
        state = cls(link, namespace(world, settings), settings, contract, world, specs, policies)
        await link.connect()
        await state.refresh()
        await link.close()  # the start-up loop ends here; the server's loop makes its own connections
        link.timeout = settings.state_timeout
        return state

    def fresh(self) -> str:
        """A new epoch token, should this call find Redis empty (or reset)."""
        return f"{self.token}.{next(self.tokens)}"

    def key(self, name: str) -> str:
        return f"{self.ns}:{name}"

    def describe(self) -> str:
        return (
            f"State: shared in {self.link.where} under {self.ns} (start every replica with the same world and flags)."
        )

    # ---- the request's round trip

    async def admit(self, rules: Sequence[ScenarioRule], windows: Sequence[Window], credential: str) -> Admission:
        who = hashlib.blake2b(credential.encode(), digest_size=8).hexdigest()  # never the secret itself
        keys = [self.key(n) for n in ("epoch", "gen", "log", "seen")]
        keys += [self.key(f"limit:{self.epoch}:{self.limits}:{p.name}:{who}:{start:.0f}") for p, start in windows]
        expiries = [int((start + p.window) * 1000) + 1000 for p, start in windows]
        sent = (self.epoch, self.gen)  # what the count is made under (another request may catch up meanwhile)
        args = [self.link.deadline(), *sent, self.fresh(), len(rules), *(r.key for r in rules)]
        epoch, gen, loglen, hits, counts = await self.link.script(scripts.COUNT, keys, [*args, *expiries], True)
        stale = (epoch, gen) != sent
        await self.catch_up(epoch, gen, int(loglen))
        if stale:
            raise StaleState
        return Admission(tuple(hits), tuple(counts))

    async def versions(self) -> None:
        """Read the versions, counting nothing, and catch up."""
        keys = [self.key(n) for n in ("epoch", "gen", "log", "seen")]
        args = [self.link.deadline(), self.epoch, self.gen, self.fresh(), 0]
        epoch, gen, loglen, _, _ = await self.link.script(scripts.COUNT, keys, args)
        await self.catch_up(epoch, gen, int(loglen))

    async def catch_up(self, epoch: str, gen: str, loglen: int) -> None:
        """Apply what other processes changed: a reset, new relations, new rules or policies."""
        if epoch == self.epoch and gen == self.gen and loglen <= self.applied:
            return
        async with self.catching_up:
            if epoch != self.epoch:
                if self.epoch:  # at start-up the store is already the seeded world
                    self.store.reset()
                self.epoch, self.gen, self.applied = epoch, "", 0
            if loglen > self.applied:
                changes = await self.link.call("LRANGE", self.key("log"), self.applied, loglen - 1)
                for change in changes:
                    seq, _, record = change.partition("|")
                    data = json.loads(record)
                    tasks = tuple(data["permitted_tasks"])
                    pair = data["business_id"], data["ad_account_id"]
                    self.store.apply(Relation(*pair, tasks, data["access_status"], int(seq)))
                self.applied += len(changes)
            if gen != self.gen:
                await self.load_controls()

    async def load_controls(self) -> Json:
        gen, raw = await self.link.call("MGET", self.key("gen"), self.key("controls"))
        data = json.loads(raw) if raw else self.file_controls()
        self.scenarios.rules = [ScenarioRule.from_spec(r["spec"], r["since"]) for r in data["rules"]]
        self.limiter.policies = [Policy(**p) for p in data["policies"]]
        self.limits = data["limits"]
        self.gen = gen or "0"
        return data

    def file_controls(self) -> Json:
        rules = [{"spec": spec, "since": 0} for spec in self.scenarios.file_specs]
        return {"rules": rules, "policies": [policy_json(p) for p in self.file_policies], "limits": 0}

    # ---- writes

    async def request_access(self, business_id: str, ad_account_id: str, tasks: tuple[str, ...]) -> Relation | str:
        # Locally, only the seeded relations are certain; whether one was made at run time, Redis compares.
        refusal, status = decisions.judge(self.store.world, business_id, ad_account_id, self.seeded)
        if refusal:
            return refusal
        made = await self.relate(Relation(business_id, ad_account_id, tasks, status, 0), "")
        return decisions.DUPLICATE if made is None else made

    async def approve(self, business_id: str, ad_account_id: str) -> Relation | None:
        current = self.store.relations.get((business_id, ad_account_id))
        tasks = current.permitted_tasks if current is not None else ()
        return await self.relate(Relation(business_id, ad_account_id, tasks, "CONFIRMED", 0), decisions.APPROVABLE)

    async def relate(self, relation: Relation, required: str) -> Relation | None:
        """Compare-and-set the relation's status in Redis (it must be `required` now), then apply it here after any
        change made before it; None when the comparison fails."""
        pair = (relation.business_id, relation.ad_account_id)
        record = json.dumps({"business_id": relation.business_id, "ad_account_id": relation.ad_account_id,
                             "permitted_tasks": list(relation.permitted_tasks),
                             "access_status": relation.access_status})  # fmt: skip
        seeded = self.seeded[pair].access_status if pair in self.seeded else ""
        keys = [self.key("epoch"), self.key("rel"), self.key("log")]
        for _ in range(RETRIES):
            args = [self.link.deadline(), self.epoch, "|".join(pair), relation.access_status, record, required,
                    seeded, self.store.first_change]  # fmt: skip
            seq = int(await self.link.script(scripts.RELATE, keys, args))
            if seq == -1:  # another process reset: catch up and try again
                await self.versions()
                continue
            if seq == 0:
                return None
            return await self.made(dataclasses.replace(relation, seq=seq))
        raise StateUnavailable("the shared state was reset three times while a relation was being made")

    async def made(self, relation: Relation) -> Relation:
        """Apply a change this process made (its `seq` from Redis), once: a catch-up under way may be reading the
        very same change from the log, so both apply under one lock, each only what the other has not."""
        async with self.catching_up:
            if relation.seq == self.store.first_change + self.applied:  # the only change since this process looked
                self.store.apply(relation)
                self.applied += 1
        await self.catch_up(self.epoch, self.gen, relation.seq - self.store.first_change + 1)  # those before it
        return self.store.relations[(relation.business_id, relation.ad_account_id)]

    async def change_controls(self, change: Callable[[Json], None]) -> None:
        """Apply `change` to the rules and policies in force, compared-and-set: concurrent admin calls from several
        processes never lose one another's change."""
        keys = [self.key(n) for n in ("epoch", "gen", "controls")]
        for _ in range(RETRIES * 3):
            data = await self.load_controls()
            change(data)
            args = [self.link.deadline(), "", self.gen, json.dumps(data)]
            if int(await self.link.script(scripts.CONTROLS, keys, args)):
                await self.refresh()
                return
        raise StateUnavailable("the rules and limits kept changing while this change was being made")

    async def add_rule(self, spec: Json) -> ScenarioRule:
        self.scenarios.check(spec)

        def change(data: Json) -> None:
            kept = [r for r in data["rules"] if r["spec"]["name"] != spec["name"]]
            data["rules"] = [*kept, {"spec": spec, "since": int(self.gen) + 1}]

        await self.change_controls(change)
        return next(r for r in self.scenarios.rules if r.name == spec["name"])

    async def remove_rule(self, name: str) -> bool:
        found = any(r.name == name for r in self.scenarios.rules)

        def change(data: Json) -> None:
            data["rules"] = [r for r in data["rules"] if r["spec"]["name"] != name]

        await self.change_controls(change)
        return found

    async def clear_rules(self) -> None:
        await self.change_controls(lambda data: data.update(rules=[]))

    async def set_policies(self, policies: list[Policy]) -> None:
        def change(data: Json) -> None:
            data["policies"] = [policy_json(p) for p in policies]
            data["limits"] += 1

        await self.change_controls(change)

    # ---- admin

    def count(self, name: str) -> None:
        self.tally.count(name)

    async def answers(self) -> dict[str, int]:
        return await self.tally.read()

    async def refresh(self) -> None:
        await self.versions()
        await self.load_controls()
        flat = await self.link.call("HGETALL", self.key("seen"))  # field, value, field, value...
        seen = dict(zip(flat[::2], flat[1::2], strict=True))
        for rule in self.scenarios.rules:
            rule.seen = int(seen.get(rule.key, 0))
            rule.fired = decisions.wins_until(rule, rule.seen, self.scenarios.seed)

    async def reset(self) -> None:
        keys = [self.key("epoch"), *(self.key(name) for name in DROPPED_ON_RESET)]
        self.tally.waiting.clear()
        await self.link.script(scripts.RESET, keys, [self.link.deadline(), "", self.fresh()])
        await self.refresh()

    async def health(self) -> str:
        try:
            await self.link.bounded("PING", wait=min(self.link.timeout, 0.25))
        except StateUnavailable as exc:
            return str(exc)
        return ""

    async def close(self) -> None:
        await self.link.close()


def namespace(world: World, settings: Settings) -> str:
    """`mock:<digest>`: the same for every process serving the same world, scenario file and default limit."""
    digest = hashlib.sha256()
    for part in (
        world.seed,
        world.now,
        world.app_secret,
        world.relations,
        sorted(world.ad_accounts.items()),
        sorted(world.businesses.items()),
        len(world.connections),
        settings.rate_limit,
    ):
        digest.update(repr(part).encode())
    if settings.scenarios is not None:
        digest.update(settings.scenarios.read_bytes())
    return f"mock:{digest.hexdigest()[:16]}"
