"""The shared state backend: what changes lives in Redis, so many processes (workers, replicas behind a load
balancer) behave as one mock. The seeded world is not shared: every process generates the same one, and only the
changes are kept, under `mock:<digest>:` (a digest of the world, the scenario file and the default limit, so two
different worlds never mix):

    epoch          a token renewed by every reset (and set afresh when Redis comes back empty): a process that
                   sees a new one drops what it knew and reads everything again
    controls, gen  the rules and rate-limit policies in force (JSON; absent: the scenario file's) and its version
    seen, fired    the rules' counters by name; draws: the probability draws made so far
    rel, log       run-time client relations (business|account -> status) and every change, in order
    journal, total the journal (newest first, capped at --journal-size) and the number of requests recorded
    limit:<epoch>:<n>:<policy>:<cred hash>:<window start>   rate-limit counters, expiring with their window (n:
                   the policies' changes so far, since a change restarts every counter, as in memory)

Each process keeps a copy of what it read (relations applied to its `Store`, rules, policies) and catches up
whenever a script reports a newer epoch, generation or log. A request that reaches the rate limiter with no rule
armed costs one round trip: the `touch` script counts, writes the journal entries waiting to be written and
returns the versions (see mockserver.redis_scripts). The client is redis-py's synchronous one: a round trip holds
this process's event loop (0.1-0.2 ms on loopback), and the pipeline's checks stay as synchronous as in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from mockserver import redis_scripts
from mockserver.backend import StateUnavailable
from mockserver.contract.secrets import mask_url
from mockserver.contract.spec import Contract
from mockserver.ratelimit import Policy
from mockserver.scenarios import Rule
from mockserver.settings import Settings
from mockserver.state_redis_parts import RedisJournal, RedisLimiter, RedisScenarios, RedisStore, policy_json
from mockserver.world.records import Relation, World

logger = logging.getLogger("mockserver")
Json = dict[str, Any]
DROPPED_ON_RESET = ("controls", "gen", "seen", "fired", "draws", "rel", "log", "journal")


class RedisState:
    """The four parts of the state, kept in step with Redis; one connection pool per process."""

    def __init__(
        self, client: redis.Redis, namespace: str, settings: Settings, contract: Contract, world: World,
        specs: list[Json], policies: list[Policy],
    ) -> None:  # fmt: skip
        self.client = client
        self.ns = namespace
        self.where = mask_url(settings.state or "")  # as given (rediss:// stays rediss://), the password masked
        self.seed = settings.seed
        self.capacity = settings.journal_size
        self.file_specs, self.file_policies = specs, policies
        self.epoch, self.gen, self.applied = "", "", 0
        self.limits = 0  # changes of the policies so far: a change restarts every counter, as in memory
        self.pending: list[str] = []  # journal entries not yet written
        self.flushing = False
        self.token, self.epochs = uuid.uuid4().hex, itertools.count()
        self.touch_script = client.register_script(redis_scripts.TOUCH)
        self.decide_script = client.register_script(redis_scripts.DECIDE)
        self.relate_script = client.register_script(redis_scripts.RELATE)
        self.reset_script = client.register_script(redis_scripts.RESET)
        self.store = RedisStore(world, self)
        self.scenarios = RedisScenarios(contract, settings.seed, specs, self)
        self.limiter = RedisLimiter(Policy.parse("default", settings.rate_limit), self)
        self.journal = RedisJournal(settings.journal_size, self)

    @classmethod
    def connect(
        cls, settings: Settings, contract: Contract, world: World, specs: list[Json], policies: list[Policy]
    ) -> RedisState:
        """Connect and read the shared state; StateUnavailable (the CLI exits 2) when Redis cannot be reached."""
        assert settings.state is not None
        try:
            client = redis.Redis.from_url(
                settings.state, decode_responses=True, socket_timeout=2, socket_connect_timeout=2,
                # One immediate retry on a broken connection (a pooled one may predate a Redis restart); none on a
                # timeout, where the script may have run and must not run twice.
                retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
            )  # fmt: skip
        except ValueError as exc:
            raise StateUnavailable(f"--state must be redis://host:port/db: {exc}") from None
        state = cls(client, namespace(world, settings), settings, contract, world, specs, policies)
        state.refresh()
        return state

    def key(self, name: str) -> str:
        return f"{self.ns}:{name}"

    def describe(self) -> str:
        return f"State: shared in {self.where} under {self.ns} (start every replica with the same world and flags)."

    @contextlib.contextmanager
    def engine(self) -> Iterator[None]:
        try:
            yield
        except redis.RedisError as exc:
            raise StateUnavailable(f"the shared state at {self.where} is unavailable: {exc}") from None

    # ---- keeping up

    def touch(self, limits: list[tuple[str, int]], gen: str) -> tuple[str, str, int, list[int]]:
        """Write waiting journal entries, count `limits` (key suffix, expiry in epoch ms) when `gen` is current,
        and read the versions: one round trip."""
        entries = self.pending[:]
        keys = [self.key(n) for n in ("epoch", "gen", "journal", "total", "log")]
        keys += [self.key(f"limit:{self.epoch}:{self.limits}:{suffix}") for suffix, _ in limits]
        args = [self.epoch, gen, f"{self.token}.{next(self.epochs)}", self.capacity, len(entries), *entries]
        with self.engine():
            epoch, current, loglen, counts = self.touch_script(keys, [*args, *(expiry for _, expiry in limits)])
        del self.pending[: len(entries)]
        self.catch_up(epoch, current, int(loglen))
        return epoch, current, int(loglen), [int(c) for c in counts]

    def catch_up(self, epoch: str, gen: str, loglen: int) -> None:
        """Apply what other processes changed: a reset, new relations, new rules or policies."""
        if epoch != self.epoch:
            if self.epoch:  # at start-up the store is already the seeded world
                self.store.reset()
            self.epoch, self.gen, self.applied = epoch, "", 0
        if loglen > self.applied:
            with self.engine():
                changes = self.client.lrange(self.key("log"), self.applied, loglen - 1)
            for change in changes:
                seq, _, record = change.partition("|")
                data = json.loads(record)
                self.store.apply(
                    Relation(data["business_id"], data["ad_account_id"], tuple(data["permitted_tasks"]),
                             data["access_status"], int(seq))
                )  # fmt: skip
            self.applied += len(changes)
        if gen != self.gen:
            self.load_controls()

    def load_controls(self) -> None:
        with self.engine():
            raw = self.client.get(self.key("controls"))
        data = json.loads(raw) if raw else self.file_controls()
        self.scenarios.rules = [Rule.from_spec(spec) for spec in data["rules"]]
        self.limiter.policies = [Policy(**p) for p in data["policies"]]
        self.limits = data.get("limits", 0)
        self.gen = str(data["gen"])

    def file_controls(self) -> Json:
        return {"gen": 0, "rules": self.file_specs, "policies": [policy_json(p) for p in self.file_policies]}

    def refresh(self) -> None:
        self.touch([], "*")
        self.load_controls()  # also the rules' counters, which only the admin API shows
        with self.engine():
            seen, fired = self.client.hgetall(self.key("seen")), self.client.hgetall(self.key("fired"))
        for rule in self.scenarios.rules:
            rule.seen, rule.fired = int(seen.get(rule.name, 0)), int(fired.get(rule.name, 0))

    def change_controls(self, change: Callable[[Json], list[str]]) -> None:
        """Apply `change` to the rules and policies in force (it returns the rules whose counters restart), as one
        optimistic transaction: concurrent admin calls from several processes never lose one another's change."""

        def transaction(pipe: redis.client.Pipeline) -> None:
            raw = pipe.get(self.key("controls"))
            data = json.loads(raw) if raw else self.file_controls()  # type: ignore[arg-type]
            restarted = change(data)
            data["gen"] += 1
            pipe.multi()
            pipe.set(self.key("controls"), json.dumps(data))
            pipe.set(self.key("gen"), data["gen"])
            if restarted:
                pipe.hdel(self.key("seen"), *restarted)
                pipe.hdel(self.key("fired"), *restarted)

        with self.engine():
            self.client.transaction(transaction, self.key("controls"))
        self.refresh()

    def reset(self) -> None:
        keys = [self.key("epoch"), *(self.key(name) for name in DROPPED_ON_RESET)]
        with self.engine():
            self.reset_script(keys, [f"{self.token}.{next(self.epochs)}"])
        self.refresh()

    # ---- the journal's writes, batched into the next round trip

    def enqueue(self, entry: str) -> None:
        self.pending.append(entry)
        if len(self.pending) > self.capacity:  # Redis is away: keep the newest, as the journal itself would
            del self.pending[0]
        if not self.flushing:
            self.flushing = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Write what no request's round trip has carried yet (those run first: this is scheduled after them)."""
        self.flushing = False
        if self.pending:
            try:
                self.touch([], "*")
            except StateUnavailable as exc:
                logger.warning("journal entries kept until the state is back: %s", exc)


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
