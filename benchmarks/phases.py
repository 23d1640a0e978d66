"""The parts of a run on servers of their own: the large workspace (page 1 against the last page, then POSTs of
distinct new accounts into that world) and 1 worker against 2."""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.probes import cold_and_warm, fetch, new_account_ids
from benchmarks.processes import PROCS, Server, free_port, log, rss_kb, serving_pid, start_server
from benchmarks.targets import BIG_REQUESTS, HOST, POST_PATH, REQUESTS, SERVERS, Req, ours_argv
from benchmarks.wrk import POST_LUA, WRK_LUA, run_rounds, summarize, wrk


def large_workspace(wrk_bin: str, lua: Path, args: argparse.Namespace, outdir: Path) -> dict[str, Any]:
    server = Server("ours-big", ours_argv(SERVERS[0], "--size", str(args.big_size)), outdir / "logs" / "big.log")
    log(f"starting our mock with --size {args.big_size}")
    big: dict[str, Any] = {"startup_s": start_server(server, ready=BIG_REQUESTS[0])}
    try:
        # Warm (wrk rounds below) the mock answers a repeated page from its cache; cold is the cost of rendering it.
        big["cold"] = {r.name: cold_and_warm(server.port, r, args.cold_samples) for r in BIG_REQUESTS}
        big["answers"] = {}
        for req in BIG_REQUESTS:
            status, _, body = fetch(server.port, req)
            doc = json.loads(body)
            big["answers"][req.name] = {
                "status": status,
                "bytes": len(body),
                "items": len(doc.get("data", [])),
                "pagination": doc.get("pagination"),
            }
        results: dict[str, dict[str, list[dict[str, Any]]]] = {}
        # Two "targets" in the rotation: the same server, alternating page 1 and the last page.
        run_rounds(wrk_bin, lua, [server], BIG_REQUESTS, args, results)
        big["summary"] = {name: summarize(by[server.name]) for name, by in results.items()}
        big["runs"] = results
        big["rss_kb"] = rss_kb(serving_pid(server.proc.pid)) if server.proc else {}
        big["post"] = post_throughput(wrk_bin, server, args, outdir)
    finally:
        if server.proc is not None:
            PROCS.stop(server.proc)
    return big


FIRST_POST_ROUND_S = 2.0  # short enough that a fast server cannot use up the large workspace's accounts


def post_throughput(wrk_bin: str, server: Server, args: argparse.Namespace, outdir: Path) -> dict[str, Any]:
    """The other agency POSTs the large workspace's accounts, each once (all new to it, so each is a 200 that
    adds a relation to the one world), for `repeats` runs of `duration`; no warm-up (it would use up accounts)."""
    ids_file, script = outdir / "post-ids.txt", outdir / "post.lua"
    ids = [i for i in new_account_ids(args.big_size) if i not in ("act_123456789", "act_987654321")]
    ids_file.write_text("\n".join(ids) + "\n")
    script.write_text(POST_LUA + WRK_LUA)
    req = Req("post", "Graph POST new account (other agency)", POST_PATH.split("?")[0], POST_PATH.split("?")[1])
    runs, offset, duration = [], 0, min(args.duration, FIRST_POST_ROUND_S)
    for round_no in range(args.repeats):
        # Each run starts where the previous stopped in the list: every POST is a new account.
        ids_file.write_text("\n".join(ids[offset:]) + "\n")
        res = wrk(wrk_bin, script, server.port, req, duration, args, (str(ids_file),))
        offset += res["requests"] + args.connections  # answered, and possibly sent but unanswered at the end
        # The next rounds last only as long as the accounts left can feed them at this round's rate (with room).
        rounds_left = args.repeats - round_no - 1
        if rounds_left and res["rps"] > 0:
            duration = min(args.duration, 0.8 * (len(ids) - offset) / res["rps"] / rounds_left)
        res["round"] = round_no
        runs.append(res)
        log(
            f"POST round {round_no + 1}/{args.repeats}: {res['rps']:.0f} req/s, p99 {res['p99']:.2f} ms, "
            f"non-2xx {res['err_status']} of {res['requests']}"
        )
    return {
        "summary": summarize(runs),
        "runs": runs,
        "accounts": len(ids),
        "posted": offset,
        "distinct": offset <= len(ids),
    }


def workers(wrk_bin: str, lua: Path, args: argparse.Namespace, outdir: Path) -> dict[str, Any]:
    """Our mock with 1 worker and with 2 on the KlayrAI list. More than one worker needs a shared state: when
    `--workers 2` is refused as it is, the same again on a Redis of our own (when redis-server is installed)."""
    state: list[str] = []
    refusal = refused(outdir)
    redis = None
    if refusal and shutil.which("redis-server"):
        port = free_port()
        with (outdir / "logs" / "redis.log").open("ab") as out:
            redis = PROCS.start(
                ["redis-server", "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(port)
        state = ["--state", f"redis://{HOST}:{port}/0"]
        refusal = refused(outdir, *state)
    if refusal:
        if redis is not None:
            PROCS.stop(redis)
        log(f"--workers 2 refused: {refusal}")
        return {"available": False, "reason": refusal}
    servers = [
        Server(
            f"workers-{n}",
            ours_argv(SERVERS[0], "--workers", str(n), *state),
            outdir / "logs" / f"workers-{n}.log",
        )
        for n in (1, 2)
    ]
    try:
        for server in servers:
            start_server(server)
        results: dict[str, dict[str, list[dict[str, Any]]]] = {}
        run_rounds(wrk_bin, lua, servers, REQUESTS[:1], args, results)
        summary = {name: summarize(runs) for name, runs in results[REQUESTS[0].name].items()}
    finally:
        for server in servers:
            if server.proc is not None:
                PROCS.stop(server.proc)
        if redis is not None:
            PROCS.stop(redis)
    return {"available": True, "state": state[1] if state else "in memory", "summary": summary}


def refused(outdir: Path, *state: str) -> str:
    """The one-line reason `mockserver serve --workers 2` gives when it refuses to start, or ""."""
    server = Server(
        "workers-probe",
        ours_argv(SERVERS[0], "--workers", "2", *state),
        outdir / "logs" / "workers-probe.log",
    )
    try:
        start_server(server, timeout=60)
        return ""
    except RuntimeError:
        if server.proc is None or server.proc.returncode != 2:
            raise
        assert server.logfile is not None
        lines = server.logfile.read_text(errors="replace").strip().splitlines()
        return lines[-1] if lines else "exit code 2"
    finally:
        if server.proc is not None:
            PROCS.stop(server.proc)


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on {port} after {timeout:.0f} s")
        time.sleep(0.02)
