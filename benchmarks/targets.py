"""What the benchmark measures: the requests, the servers that answer them, and the issue's targets (thresholds)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
CACHE = BENCH / ".cache"
SPEC = ROOT / "openapi.yaml"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python" if (VENV_BIN / "python").exists() else Path(sys.executable)
MOCKSERVER = VENV_BIN / "mockserver"
PRISM_PACKAGE = os.environ.get("BENCH_PRISM_PACKAGE", "@stoplight/prism-cli@5")
PRISM_BIN = CACHE / "node_modules" / ".bin" / "prism"
HOST = "127.0.0.1"
SERVERS = ("granian", "uvicorn")  # what `mockserver serve --server` offers; the first is its default

DOC_KEY = "klyr_live_abc123def456ghi789"
BIG_KEY = "klyr_live_agency2bigworkspace01"
GRAPH_TOKEN = "EAAGagency0valid0token"
OTHER_TOKEN = "EAAGother0agency0token"  # the other agency: every account of the large workspace is new to it
BUSINESS = "1029384756"
OTHER_BUSINESS = "5550001111"


@dataclass(frozen=True)
class Req:
    name: str
    label: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    operation: str = ""
    expect: int = 200
    method: str = "GET"
    body: bytes = b""

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query if self.query else "")


GRAPH_QUERY = f"fields=name,currency,account_status&summary=true&limit=25&access_token={GRAPH_TOKEN}"
REQUESTS = [
    Req("klayrai", "KlayrAI list (doc key)", "/v1/accounts", "", (("x-api-key", DOC_KEY),), "listAccounts"),
    Req(
        "graph",
        "Graph list fields+summary",
        f"/v25.0/{BUSINESS}/client_ad_accounts",
        GRAPH_QUERY,
        (),
        "listClientAdAccounts",
    ),
    Req("unauth", "KlayrAI 401 (no key)", "/v1/accounts", "", (), "listAccounts", expect=401),
]
BIG_REQUESTS = [
    Req("page1", "page 1 (100/page)", "/v1/accounts", "page=1&page_size=100", (("x-api-key", BIG_KEY),)),
    Req("last", "page 1000 (last)", "/v1/accounts", "page=1000&page_size=100", (("x-api-key", BIG_KEY),)),
]
READY = REQUESTS[0]  # the request whose first 200 says a server is up
POST_PATH = f"/v25.0/{OTHER_BUSINESS}/client_ad_accounts?access_token={OTHER_TOKEN}"
BATCH_SIZE = 50
# Not in the contract (Graph's answer to an unknown path): the batch endpoint lands with another branch.
NO_BATCH_CODE = 2500


def batch_request(size: int = BATCH_SIZE) -> Req:
    """`size` Graph list reads in one batch (the Python SDK's form: `batch=<JSON>` to `/{version}/`)."""
    item = {"method": "GET", "relative_url": f"{BUSINESS}/client_ad_accounts?{GRAPH_QUERY.rsplit('&', 1)[0]}"}
    body = urlencode({"batch": json.dumps([item] * size), "access_token": GRAPH_TOKEN}).encode()
    headers = (("content-type", "application/x-www-form-urlencoded"),)
    return Req("batch", f"batch of {size} Graph lists", "/v25.0/", "", headers, method="POST", body=body)


def ours_argv(server: str, *extra: str) -> list[str]:
    return [str(MOCKSERVER), "serve", "--port", "{port}", "--server", server, *extra]


def ceiling_argv(server: str, recording: Path) -> list[str]:
    return [
        str(PYTHON),
        "-m",
        "benchmarks.ceiling",
        "--port",
        "{port}",
        "--recording",
        str(recording),
        "--server",
        server,
    ]


def prism_argv(prism: Path) -> list[str]:
    # Prism logs every request at its default level (info), as users run it; its output goes to /dev/null.
    return [str(prism), "mock", str(SPEC), "-h", HOST, "-p", "{port}"]


# The targets (issue 14).
PRISM_RPS_TIMES = 15.0  # ours >= 15x Prism's requests/s ...
PRISM_P99_FRACTION = 0.1  # ... and <= 1/10 of its p99, on each of REQUESTS
CEILING_FRACTION = 0.75  # ours >= 75 % of the fastest ceiling on each of REQUESTS
JOURNAL_CEILING_FRACTION = 0.85  # the HAR issue: ours, full journal on, >= 85 % of the fastest ceiling
NO_JOURNAL = ("--journal-size", "0")  # ours-nojournal: the same mock keeping no exchange (the journal's price)
BATCH_TIMES = 10.0  # a batch of 50 within 10x one single request
POST_GET_TIMES = 3.0  # POST req/s within 3x of the GET figure
STARTUP_S = 1.0  # start-up under 1 s with the default world
LAST_PAGE_TIMES = 1.5  # page N within 1.5x of page 1
