"""What the contract says about listAccounts' parameters (versions, status values, page bounds), read once for the
KlayrAI rules and probes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from mockserver.contract.spec import default_contract


@dataclass(frozen=True)
class KlayraiVocabulary:
    """What the contract says about listAccounts' parameters, read once."""

    versions: tuple[str, ...]
    statuses: tuple[str, ...]
    page_default: int
    page_max: int
    size_default: int
    size_max: int

    @property
    def latest(self) -> str:
        return self.versions[-1]


@cache
def vocabulary() -> KlayraiVocabulary:
    contract = default_contract()
    params = {p["name"]: p["schema"] for p in contract.parameters("listAccounts")}
    return KlayraiVocabulary(
        versions=tuple(contract.spec["x-supported-klayrai-versions"]),
        statuses=tuple(params["status"]["enum"]),
        page_default=params["page"]["default"],
        page_max=params["page"]["maximum"],
        size_default=params["page_size"]["default"],
        size_max=params["page_size"]["maximum"],
    )
