"""One benchmark run, in order: the servers side by side on the three requests, one request at a time (cold, warm,
batch), the large workspace and POSTs, workers, then the profile. Returns the report (a JSON-able dict)."""

from __future__ import annotations

import argparse
import base64
import json
import os
import time
from pathlib import Path
from typing import Any

from benchmarks import phases
from benchmarks.machine import code_version, machine_info
from benchmarks.probes import batch_against_single, check_answers, cold_and_warm, fetch
from benchmarks.processes import (
    PROCS,
    Server,
    ensure_prism,
    ensure_pyspy,
    ensure_wrk,
    group_rss_kb,
    log,
    measure_startups,
    rss_kb,
    serving_pid,
    start_server,
)
from benchmarks.profiling import profile, profile_startup
from benchmarks.targets import CACHE, NO_JOURNAL, REQUESTS, SERVERS, ceiling_argv, ours_argv, prism_argv
from benchmarks.wrk import WRK_LUA, run_rounds, summarize

OURS = f"ours-{SERVERS[0]}"  # the mock as users run it: `mockserver serve` with its defaults
NO_JOURNAL_TARGET = "ours-nojournal"  # the same with --journal-size 0: what the whole-exchange journal costs


def main_targets(outdir: Path, prism: Path | None) -> tuple[list[Server], Path]:
    """Our mock and the bare-Starlette ceiling on each server, and Prism; the ceiling's recording file."""
    logs, recording = outdir / "logs", outdir / "recording.json"
    servers = [Server(f"ours-{s}", ours_argv(s), logs / f"ours-{s}.log") for s in SERVERS]
    servers.append(Server(NO_JOURNAL_TARGET, ours_argv(SERVERS[0], *NO_JOURNAL), logs / f"{NO_JOURNAL_TARGET}.log"))
    servers += [Server(f"ceiling-{s}", ceiling_argv(s, recording), logs / f"ceiling-{s}.log") for s in SERVERS]
    if prism is not None:
        servers.append(Server("prism", prism_argv(prism), None, note="defaults (-v info)"))
    return servers, recording


def record(port: int, recording: Path) -> dict[str, tuple[int, list, bytes]]:
    """What our mock answers to each request, written for the ceiling to serve byte for byte."""
    answers = {req.name: fetch(port, req) for req in REQUESTS}
    for req in REQUESTS:
        if answers[req.name][0] != req.expect:
            raise RuntimeError(f"our mock answered {answers[req.name][0]} to {req.name}, expected {req.expect}")
    recording.write_text(
        json.dumps(
            [
                {
                    "path": req.path,
                    "query": req.query,
                    "api_key": any(n.lower() == "x-api-key" for n, _ in req.headers),
                    "status": answers[req.name][0],
                    "headers": answers[req.name][1],
                    "body_b64": base64.b64encode(answers[req.name][2]).decode(),
                }
                for req in REQUESTS
            ],
            indent=1,
        )
    )
    return answers


def benchmark(args: argparse.Namespace, outdir: Path) -> dict[str, Any]:
    (outdir / "logs").mkdir(parents=True, exist_ok=True)
    lua = outdir / "report.lua"
    lua.write_text(WRK_LUA)
    wrk_bin = ensure_wrk()
    prism = None if args.no_prism else ensure_prism()
    report: dict[str, Any] = {"machine": machine_info(), "settings": {k: str(v) for k, v in vars(args).items()}}

    servers, recording_file = main_targets(outdir, prism)
    by_name = {s.name: s for s in servers}
    for server in servers:
        log(f"starting {server.name}")
        server.startup_s = start_server(server)
        server.startups.append(server.startup_s)
        if server.name == OURS:
            recording = record(server.port, recording_file)
    if args.startup_repeats > 1:
        log(f"start-up time of {OURS}: {args.startup_repeats - 1} more fresh start(s)")
        measure_startups(by_name[OURS], args.startup_repeats - 1)
    report["checks"] = check_answers(servers, recording)

    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    run_rounds(wrk_bin, lua, servers, REQUESTS, args, results)
    report["rss_kb"] = {s.name: group_rss_kb(s.proc.pid) for s in servers if s.proc}
    report["ours_rss"] = rss_kb(serving_pid(by_name[OURS].proc.pid)) if by_name[OURS].proc else {}
    report["runs"] = results
    report["summary"] = {req: {name: summarize(runs) for name, runs in by.items()} for req, by in results.items()}
    report["startup"] = {s.name: s.startups for s in servers}
    report["prism_notes"] = {s.name: s.note for s in servers if s.note}
    log(f"cold and warm latency of {OURS} ({args.cold_samples} resets per request)")
    report["cold"] = {req.name: cold_and_warm(by_name[OURS].port, req, args.cold_samples) for req in REQUESTS}
    log(f"a batch of 50 against one request, {args.cold_samples * 3} of each, one at a time")
    report["batch"] = batch_against_single(by_name[OURS].port, args.cold_samples * 3)
    if not args.no_profile:
        report["profiles"] = profiles(wrk_bin, lua, by_name, report["summary"], args, outdir)
    for server in servers:
        if server.proc is not None:
            PROCS.stop(server.proc)

    if not args.no_big:
        report["big"] = phases.large_workspace(wrk_bin, lua, args, outdir)
    report["workers"] = phases.workers(wrk_bin, lua, args, outdir)
    report["machine"]["loadavg_end"] = os.getloadavg()
    report["machine"]["code_end"] = code_version()
    return report


def profiles(
    wrk_bin: str,
    lua: Path,
    by_name: dict[str, Server],
    summary: dict[str, Any],
    args: argparse.Namespace,
    outdir: Path,
) -> dict[str, Any]:
    """Our mock on each request and the fastest ceiling on one, under wrk load; the start-up of our mock."""
    pyspy = ensure_pyspy()
    if pyspy is None:
        return {}
    found: dict[str, Any] = {}
    for server, reqs in ((by_name[OURS], REQUESTS), (by_name[f"ceiling-{SERVERS[0]}"], REQUESTS[:1])):
        for req in reqs:
            log(f"profiling {server.name} on {req.name} ({args.profile_duration} s under wrk load)")
            prof = profile(pyspy, wrk_bin, lua, server, req, args, outdir)
            prof["rps_measured"] = summary.get(req.name, {}).get(server.name, {}).get("rps")
            found[f"{server.name}/{req.name}"] = prof
    log("profiling the start-up of our mock (spawn to first 200)")
    found[f"{OURS}/startup"] = profile_startup(pyspy, args, outdir)
    return found


def default_outdir() -> Path:
    return CACHE / "results" / time.strftime("%Y%m%d-%H%M%S")
