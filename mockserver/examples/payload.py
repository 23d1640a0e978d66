"""What the examples are made of: a payload named `<operationId>/<status>/<name>`, the one error of the tool, and
the requests' fixed parts (the contract's server, the Graph edge of the agency and its token)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.world.credentials import AGENCY_BUSINESS_ID, GRAPH_TOKENS

Json = dict[str, Any]
BASE_URL = "http://127.0.0.1:4010"  # the contract's server: links in Graph pages look like the documented ones
GRAPH_VERSION = "v25.0"
ACCOUNTS = "/v1/accounts"
EDGE_PATH = f"/{GRAPH_VERSION}/{AGENCY_BUSINESS_ID}/client_ad_accounts"
TOKEN = {"access_token": GRAPH_TOKENS["agency"]}
INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class Payload:
    operation: str
    status: int
    name: str
    value: Any
    kind: str  # "realistic" (the mock's answer or the contract's example) or "edge"

    @property
    def where(self) -> str:
        return f"{self.operation}/{self.status}/{self.name}"


class ExamplesError(Exception):
    """A payload that cannot be produced or is off-contract: a bug in the mock, the generator or the contract."""
