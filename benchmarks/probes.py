"""One request at a time: cold and warm latency, what each target answers, the batch against a single
request, and the new accounts the POST measurement sends."""

from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import time
from typing import TYPE_CHECKING, Any

from benchmarks.fetching import fetch
from benchmarks.targets import BUSINESS, HOST, NO_BATCH_CODE, PYTHON, REQUESTS, ROOT, SPEC, Req, batch_request

if TYPE_CHECKING:
    from benchmarks.processes import Server


def timed_fetch(port: int, req: Req) -> tuple[float, int, int]:
    started = time.perf_counter()
    status, _, body = fetch(port, req)
    return (time.perf_counter() - started) * 1000, status, len(body)


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def reset_mock(port: int) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("POST", "/__mock/reset", headers={"content-type": "application/json"})
        conn.getresponse().read()
    finally:
        conn.close()


def cold_and_warm(port: int, req: Req, samples: int) -> dict[str, float]:
    """Sequential latency of one request to our mock (ms, median of `samples`): `cold` right after /__mock/reset,
    which empties every cache (the cost of rendering the answer), `warm` the same request again (its answer kept)."""
    cold, warm = [], []
    for _ in range(samples):
        reset_mock(port)
        cold.append(timed_fetch(port, req)[0])
        warm.append(timed_fetch(port, req)[0])
    return {"cold_ms": med(cold), "warm_ms": med(warm)}


def batch_against_single(port: int, samples: int) -> dict[str, Any]:
    """Median latency (ms) of a batch of 50 Graph lists and of one Graph list alone, one request at a time, both
    with their answers kept. `available` is False when the server answers the batch as an unknown path."""
    batch, single = batch_request(), REQUESTS[1]
    status, _, body = fetch(port, batch)
    if status == 400 and json.loads(body).get("error", {}).get("code") == NO_BATCH_CODE:
        return {"available": False, "status": status}
    items = json.loads(body) if status == 200 else []
    statuses = sorted({item.get("code") for item in items}) if isinstance(items, list) else []
    batch_ms = med([timed_fetch(port, batch)[0] for _ in range(samples)])
    single_ms = med([timed_fetch(port, single)[0] for _ in range(samples)])
    return {
        "available": True,
        "status": status,
        "item_statuses": statuses,
        "items": len(items),
        "batch_ms": batch_ms,
        "single_ms": single_ms,
        "ratio": batch_ms / single_ms,
    }


def new_account_ids(size: int, seed: int = 42) -> list[str]:
    """The ad accounts of the large workspace, new to the other agency: what the POST measurement adds, one each.
    From the world generator in the project's Python (deterministic: the same world the server builds)."""
    code = (
        "import json; from mockserver.world.generator import generate; "
        f"w = generate({seed}, {size}); print(json.dumps([r['ad_account_id'] for r in w['meta']['client_relations'] "
        f"if r['business_id'] == {BUSINESS!r}]))"
    )
    out = subprocess.run([str(PYTHON), "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    return json.loads(out)


def documented_examples(operation: str) -> dict[str, tuple[int, Any]]:
    """name -> (status, value) of every documented example of an operation (read through mockserver.contract.spec)."""
    code = (
        "import json; from pathlib import Path; from mockserver.contract.spec import Contract; "
        f"c = Contract.load(Path({str(SPEC)!r})); "
        f"print(json.dumps({{n: [e.status, e.value] for n, e in c.examples({operation!r}).items()}}))"
    )
    result = subprocess.run([str(PYTHON), "-c", code], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:  # the benchmark still runs without this check
        return {}
    return {name: (status, value) for name, (status, value) in json.loads(result.stdout).items()}


def check_answers(servers: list[Server], recording: dict[str, tuple[int, list, bytes]]) -> dict[str, Any]:
    """What every target answers to each measured request; each ceiling must equal ours byte for byte."""
    checks: dict[str, Any] = {}
    for req in REQUESTS:
        examples = documented_examples(req.operation) if req.operation else {}
        for server in servers:
            status, headers, body = fetch(server.port, req)
            entry: dict[str, Any] = {"status": status, "bytes": len(body)}
            if server.name.startswith("ceiling"):
                entry["same_bytes_as_ours"] = body == recording[req.name][2] and status == recording[req.name][0]
            if server.name.startswith("prism"):
                try:
                    value = json.loads(body)
                except ValueError:
                    value = None
                matches = [n for n, (st, ex) in examples.items() if st == status and ex == value]
                entry["example"] = matches[0] if matches else None
                entry["violations"] = next((v for k, v in headers if k.lower() == "sl-violations"), "")[:300]
            entry["expected_status"] = req.expect
            checks.setdefault(req.name, {})[server.name] = entry
    return checks
