"""The running mock's parts, built once from the settings: contract, world, both APIs, scenarios, limits, journal."""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass

from mockserver.apis import Api
from mockserver.apis.klayrai import KlayraiApi
from mockserver.apis.meta_graph import GraphApi
from mockserver.contract import Contract
from mockserver.journal import Journal
from mockserver.ratelimit import Policy, RateLimiter
from mockserver.scenarios import Scenarios, load_file
from mockserver.settings import Settings
from mockserver.store import Store, gc_paused
from mockserver.validation import ResponseValidator
from mockserver.world.load import load_world


@dataclass
class Mock:
    settings: Settings
    contract: Contract
    store: Store
    apis: tuple[Api, ...]
    scenarios: Scenarios
    limiter: RateLimiter
    file_policies: list[Policy]
    journal: Journal
    validator: ResponseValidator | None
    methods: list[tuple[re.Pattern[str], list[str]]]

    @classmethod
    def build(cls, settings: Settings) -> Mock:
        contract = Contract.load(settings.spec)
        with gc_paused():
            store = Store(load_world(contract, seed=settings.seed, size=settings.size, path=settings.world))
        gc.freeze()  # the world lives as long as the server: later collections need not walk it
        specs, policies = load_file(contract, settings.scenarios) if settings.scenarios else ([], [])
        limiter = RateLimiter(Policy.parse("default", settings.rate_limit))
        limiter.set_policies(policies)
        components = contract.spec["components"]["responses"]
        validator = None
        if settings.validate_responses:
            validator = ResponseValidator(
                contract,
                {
                    ("klayrai", 404): components["KlayraiNotFound"],
                    ("klayrai", 405): components["KlayraiMethodNotAllowed"],
                    ("graph", 400): components["GraphListBadRequest"],
                },
            )
        return cls(
            settings=settings,
            contract=contract,
            store=store,
            apis=(KlayraiApi(contract, store, settings.seed), GraphApi(contract, store, settings.seed)),
            scenarios=Scenarios(contract, settings.seed, specs),
            limiter=limiter,
            file_policies=policies,
            journal=Journal(settings.journal_size),
            validator=validator,
            methods=path_methods(contract),
        )

    def api_for(self, path: str) -> Api:
        for api in self.apis:
            if api.owns(path):
                return api
        raise LookupError(path)  # unreachable: Graph, the last API, owns every path

    def allowed(self, path: str) -> list[str]:
        return next((methods for pattern, methods in self.methods if pattern.fullmatch(path)), [])

    def reset(self) -> None:
        """Back to the start: the seeded world, the file's scenarios and limits, empty counters and journal."""
        self.store.reset()
        self.scenarios.reset()
        self.limiter.set_policies(self.file_policies)
        self.journal.clear()


def path_methods(contract: Contract) -> list[tuple[re.Pattern[str], list[str]]]:
    """For each path of the contract, a regex and the methods it serves (HEAD with GET), for `Allow`."""
    table: dict[str, list[str]] = {}
    for op in contract.operations.values():
        methods = table.setdefault(op.path, [])
        methods += [op.method, "HEAD"] if op.method == "GET" else [op.method]
    return [(re.compile(re.sub(r"\{[^}]+\}", "[^/]+", path)), methods) for path, methods in table.items()]
