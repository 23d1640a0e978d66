"""Throughput of the mock with its state in memory and in Redis, one process and two replicas, measured with wrk.

    .venv/bin/python -m benchmarks shared-state                 # 3 rounds of 3 s runs (~5 min)
    .venv/bin/python -m benchmarks shared-state --duration 10   # longer runs

Configurations: `memory x1` (one `mockserver serve`, the default in-memory state), `redis x1` (one process, `--state
redis://...`), `redis 2 workers` (`--workers 2` on one port, one wrk), `redis x2` (two processes on two ports
sharing one Redis, a wrk against each at once: their requests/s are summed, the p99 is the worse of the two).
Requests: the KlayrAI list (doc key), the Graph list (fields + summary), a KlayrAI 401, and POSTs that each create a
new client relation (distinct ad accounts, POSTed as the second agency in a `--size` world, so every POST is a
write). Each run: a warm-up, then `--duration` seconds of `wrk -t1 -c32` per process. All configurations serve
at once, and each request is measured on one after the other for `--rounds` rounds (median kept), so drifting load
weighs on all alike.

Redis calls per request come from `INFO commandstats`, reset before each run: the commands the mock sends
itself (EVALSHA of its scripts, LRANGE of the change log, and those of admin calls), not the commands the scripts
run inside Redis. Needs `wrk` and `redis-server` (Debian packages) on PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import redis

from mockserver.testing import free_port

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DOC_KEY = "klyr_live_abc123def456ghi789"
GRAPH_TOKEN = "EAAGagency0valid0token"
OTHER_TOKEN = "EAAGother0agency0token"
OTHER_AGENCY = "5550001111"
# Commands the mock sends itself; scripts run GET, INCR, LPUSH, ... inside Redis, never these.
TOP_LEVEL = ("evalsha", "eval", "lrange", "mget", "hgetall", "del", "ping")  # GET, TIME, INCR...: scripts run them too
# (config, processes, --workers per process, shared state?)
CONFIGS = (("memory x1", 1, 1, False), ("redis x1", 1, 1, True), ("redis 2 workers", 1, 2, True),
           ("redis x2", 2, 1, True))  # fmt: skip

DONE_LUA = r"""
done = function(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"p99":%.1f,"non2xx":%d,"errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass(frozen=True)
class Request:
    name: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    post: bool = False


REQUESTS = [
    Request("KlayrAI list", "/v1/accounts", (("x-api-key", DOC_KEY),)),
    Request(
        "Graph list",
        f"/v25.0/1029384756/client_ad_accounts?fields=name,currency,account_status&summary=true&limit=25"
        f"&access_token={GRAPH_TOKEN}",
    ),
    Request("KlayrAI 401", "/v1/accounts"),
    Request("POST new relation", f"/v25.0/{OTHER_AGENCY}/client_ad_accounts?access_token={OTHER_TOKEN}", post=True),
]


def wait_until(ready: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not come up")
        time.sleep(0.05)


@contextmanager
def process(argv: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, stopped by its own id on exit (also on Ctrl-C or an error)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            yield proc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/__mock/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def post_candidates(size: int) -> list[str]:
    """Ad accounts the second agency can become a client of (each POST creates one relation)."""
    from mockserver.contract.spec import Contract
    from mockserver.settings import Settings
    from mockserver.world.load import load_world

    world = load_world(Contract.load(Settings().spec), seed=42, size=size, path=None)
    taken = {r.ad_account_id for r in world.relations if r.business_id == OTHER_AGENCY}
    return [
        a.id
        for a in world.ad_accounts.values()
        if a.owner_business_id != OTHER_AGENCY and not a.pending_ownership_request and a.id not in taken
    ]


def script_for(request: Request, work: Path, accounts: list[str], offset: int, step: int) -> Path:
    lua = work / f"wrk-{request.post}-{offset}.lua"
    body = DONE_LUA
    if request.post:
        ids = ",".join(f'"{a}"' for a in accounts)
        body += f"""
local ids = {{{ids}}}
local i = {offset}
request = function()
  local id = ids[(i % #ids) + 1]
  i = i + {step}
  return wrk.format("POST", nil, {{["Content-Type"] = "application/x-www-form-urlencoded"}}, "adaccount_id=" .. id)
end
"""
    lua.write_text(body)
    return lua


def wrk(ports: list[int], request: Request, seconds: float, work: Path, accounts: list[str]) -> dict[str, float]:
    """One wrk per port, all at once; requests/s summed, p99 the worst."""
    procs = []
    for index, port in enumerate(ports):
        argv = ["wrk", "-t1", "-c32", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
        for name, value in request.headers:
            argv += ["-H", f"{name}: {value}"]
        lua = script_for(request, work, accounts, index, len(ports))
        argv += ["-s", str(lua), f"http://127.0.0.1:{port}{request.path}"]
        procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 60)
        line = next((ln for ln in out.splitlines() if ln.startswith("WRKJSON ")), None)
        if line is None:
            raise SystemExit(f"wrk printed no result:\n{out[-2000:]}")
        results.append(json.loads(line.removeprefix("WRKJSON ")))
    return {
        "requests": sum(r["requests"] for r in results),
        "rps": sum(r["requests"] / (r["duration_us"] / 1e6) for r in results),
        "p99_ms": max(r["p99"] for r in results) / 1000,
        "non2xx": sum(r["non2xx"] for r in results),
        "errors": sum(r["errors"] for r in results),
    }


def round_trips(client: redis.Redis) -> int:
    stats = client.info("commandstats")
    return sum(int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in TOP_LEVEL)


def measure(args: argparse.Namespace, work: Path, accounts: list[str]) -> list[dict[str, Any]]:
    """Every configuration serving at once (each on a Redis database of its own), and each request measured on one
    after the other, round after round: a machine whose load drifts weighs on every configuration alike. Each
    figure is the round with the median requests/s."""
    rounds: dict[tuple[str, str], list[dict[str, Any]]] = {}
    redis_port = free_port()
    with process(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                  "--dir", str(work)], work / "redis.log"), ExitStack() as stack:  # fmt: skip
        client = redis.Redis(port=redis_port)
        wait_until(lambda: _pings(client), "redis-server")
        client.flushall()
        ports: dict[str, list[int]] = {}
        for db, (config, replicas, workers, state) in enumerate(CONFIGS):
            ports[config] = [free_port() for _ in range(replicas)]
            for port in ports[config]:
                argv = [PYTHON, "-m", "mockserver", "serve", "--port", str(port), "--size", str(args.size),
                        "--workers", str(workers)]  # fmt: skip
                if state:
                    argv += ["--state", f"redis://127.0.0.1:{redis_port}/{db}"]
                stack.enter_context(process(argv, work / f"mock-{config.replace(' ', '')}-{port}.log"))
        for port in (p for group in ports.values() for p in group):
            wait_until(lambda port=port: healthy(port), f"mock on {port}")
        for request in REQUESTS:
            for number in range(args.rounds):
                for config, _, _, state in CONFIGS:
                    result = run_one(args, work, accounts, request, ports[config], client if state else None)
                    rounds.setdefault((config, request.name), []).append(result)
                    print(f"  round {number + 1}  {config:<16} {request.name:<18} {result['rps']:>8.0f} req/s  p99 "
                          f"{result['p99_ms']:>6.1f} ms", flush=True)  # fmt: skip
    return [
        {"config": config, "request": name, **sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]}
        for (config, name), runs in rounds.items()
    ]


def run_one(
    args: argparse.Namespace, work: Path, accounts: list[str], request: Request, ports: list[int],
    client: redis.Redis | None,
) -> dict[str, Any]:  # fmt: skip
    """One measured wrk run (after a warm-up, or for POSTs a reset), with the Redis calls it caused."""
    if request.post:
        httpx.post(f"http://127.0.0.1:{ports[0]}/__mock/reset", json={}).raise_for_status()
    else:
        wrk(ports, request, args.warmup, work, accounts)
    if client is not None:
        client.config_resetstat()
    result = wrk(ports, request, args.duration, work, accounts)
    result["round_trips"] = round_trips(client) / max(1, result["requests"]) if client is not None else None
    return result


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def table(results: list[dict[str, Any]]) -> str:
    configs = list(dict.fromkeys(r["config"] for r in results))
    lines = [
        "| request | " + " | ".join(f"{c} req/s (p99 ms)" for c in configs) + " | Redis calls / request |",
        "|---|" + "---|" * (len(configs) + 1),
    ]
    for name in dict.fromkeys(r["request"] for r in results):
        row = {r["config"]: r for r in results if r["request"] == name}
        cells = [f"{row[c]['rps']:,.0f} ({row[c]['p99_ms']:.1f})" for c in configs]
        trips = " / ".join(f"{row[c]['round_trips']:.2f}" for c in configs if row[c]["round_trips"] is not None)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {trips} |")
    return "\n".join(lines)


def ratios(results: list[dict[str, Any]]) -> str:
    """The figures the shared state is judged on, from one run: Redis against memory, two workers against one."""
    rps = {(r["config"], r["request"]): r["rps"] for r in results}
    head = "| request | redis x1 / memory x1 | redis 2 workers / redis x1 | redis x2 / redis x1 |"
    lines = [head, "|---|---|---|---|"]
    for name in dict.fromkeys(r["request"] for r in results):
        one = rps[("redis x1", name)]
        cells = [one / rps[("memory x1", name)], rps[("redis 2 workers", name)] / one, rps[("redis x2", name)] / one]
        lines.append(f"| {name} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of each measured wrk run (3)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per request and configuration, median kept (3)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of the unrecorded run before each (1)")
    parser.add_argument("--size", type=int, default=50_000, help="world size: distinct accounts to POST (50000)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    for binary in ("wrk", "redis-server"):
        if shutil.which(binary) is None:
            raise SystemExit(f"{binary} is not on PATH (Debian: apt-get install {binary})")
    accounts = post_candidates(args.size)
    with tempfile.TemporaryDirectory(prefix="bench-shared-state-") as tmp:
        results = measure(args, Path(tmp), accounts)
    print()
    print(table(results))
    print("\nRedis calls per request: memory x1 has none; then redis x1 / redis 2 workers / redis x2 (concurrent")
    print("requests' calls share one pipelined round trip).\n")
    print(ratios(results))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} cores; load average after the run (1, 5, 15 min): {load}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
