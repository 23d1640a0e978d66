"""Measuring with wrk: one command line builder, one run parsed from the JSON its lua `done()` prints, rounds over
targets with a rotating order, and the summary of rounds (median and spread)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.probes import med
from benchmarks.processes import PROCS, Server, log
from benchmarks.targets import HOST, Req

WRK_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50":%.1f,"p90":%.1f,"p99":%.1f,"p999":%.1f,' ..
    '"max":%.1f,"mean":%.1f,"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
"""
# POSTs of distinct new accounts, one per request in the order of the file named after `--` (one id a line).
POST_LUA = r"""
local ids, n = {}, 0
init = function(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
end
request = function()
  n = n + 1
  local body = "adaccount_id=" .. ids[((n - 1) % #ids) + 1]
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
"""


def wrk_argv(
    wrk_bin: str, lua: Path, port: int, req: Req, seconds: float, args: argparse.Namespace, script_args: tuple = ()
) -> list[str]:
    argv = [wrk_bin, f"-t{args.threads}", f"-c{args.connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    for name, value in req.headers:
        argv += ["-H", f"{name}: {value}"]
    return [*argv, "-s", str(lua), f"http://{HOST}:{port}{req.target}", *(["--", *script_args] if script_args else [])]


def wrk(
    wrk_bin: str, lua: Path, port: int, req: Req, seconds: float, args: argparse.Namespace, script_args: tuple = ()
) -> dict[str, Any]:
    argv = wrk_argv(wrk_bin, lua, port, req, seconds, args, script_args)
    proc = PROCS.start(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=seconds + 60)
    finally:
        PROCS.stop(proc)
    line = next((ln for ln in out.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out[-2000:]}")
    result = json.loads(line[len("WRKJSON ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6) if result["duration_us"] else 0.0
    for key in ("p50", "p90", "p99", "p999", "max", "mean"):
        result[key] = result[key] / 1000.0  # us -> ms
    result["errors"] = sum(result[k] for k in ("err_connect", "err_read", "err_write", "err_timeout"))
    return result


def run_rounds(
    wrk_bin: str,
    lua: Path,
    servers: list[Server],
    requests: list[Req],
    args: argparse.Namespace,
    results: dict[str, dict[str, list[dict[str, Any]]]],
) -> None:
    """Warm up every (request, target) unrecorded, then `repeats` rounds; the target order rotates per round."""
    if args.warmup > 0:
        for req in requests:
            for server in servers:
                log(f"warm-up {server.name:<12} {req.name} ({args.warmup:.0f} s)")
                wrk(wrk_bin, lua, server.port, req, args.warmup, args)
    for round_no in range(args.repeats):
        for req in requests if round_no % 2 == 0 else list(reversed(requests)):
            shift = round_no % len(servers)
            for server in servers[shift:] + servers[:shift]:
                res = wrk(wrk_bin, lua, server.port, req, args.duration, args)
                res["round"] = round_no
                res["loadavg"] = os.getloadavg()[0]
                results.setdefault(req.name, {}).setdefault(server.name, []).append(res)
                log(
                    f"round {round_no + 1}/{args.repeats} {req.name:<8} {server.name:<12} "
                    f"{res['rps']:8.0f} req/s  p50 {res['p50']:6.2f} ms  p99 {res['p99']:7.2f} ms  "
                    f"non-2xx {res['err_status']}  socket errors {res['errors']}"
                )


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(runs)}
    for key in ("rps", "p50", "p99"):
        values = [r[key] for r in runs]
        out[key] = med(values)
        out[key + "_min"] = min(values) if values else float("nan")
        out[key + "_max"] = max(values) if values else float("nan")
    total = sum(r["requests"] for r in runs)
    out["non2xx_pct"] = 100.0 * sum(r["err_status"] for r in runs) / total if total else float("nan")
    out["socket_errors"] = sum(r["errors"] for r in runs)
    return out
