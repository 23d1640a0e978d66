"""Profiling with py-spy: where a server's time goes under wrk load, per stage of the mock's pipeline, and what
the start-up of the mock spends its time on."""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.fetching import fetch
from benchmarks.processes import PROCS, Server, free_port, run_quiet, serving_pid, shown
from benchmarks.report import table
from benchmarks.targets import MOCKSERVER, READY, ROOT, Req
from benchmarks.wrk import wrk_argv

# A Granian worker's main thread waits inside Rust's serve loop (the HTTP I/O runs in Rust threads py-spy cannot
# see); py-spy counts it as busy. Stacks ending there are left out: what remains is the Python work.
PARKED = "_spawn_asgi_lifespan_worker ("


def stacks(raw: Path) -> list[tuple[list[str], int]]:
    """(frames, samples) of every collapsed py-spy stack but the parked ones."""
    found = []
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if stack and count_text.isdigit() and PARKED not in stack.rsplit(";", 1)[-1]:
            found.append((stack.split(";"), int(count_text)))
    return found


def aggregate_profile(raw: Path, top: int) -> dict[str, Any]:
    """Collapsed py-spy stacks -> self and inclusive shares per function, and self shares per line."""
    self_fn: Counter[str] = Counter()
    incl_fn: Counter[str] = Counter()
    self_line: Counter[str] = Counter()
    total = 0
    for frames, count in stacks(raw):
        total += count
        functions = [strip_line(f) for f in frames]
        self_fn[functions[-1]] += count
        self_line[frames[-1]] += count
        for fn in set(functions):
            incl_fn[fn] += count

    def pct(counter: Counter[str], n: int, keep=lambda _k: True) -> list[tuple[str, float]]:
        return [(k, 100.0 * v / total) for k, v in counter.most_common() if keep(k)][:n] if total else []

    root_frames = {k for k, v in incl_fn.items() if total and v / total > 0.97}
    return {
        "samples": total,
        "self": pct(self_fn, top),
        "self_lines": pct(self_line, top),
        "inclusive": pct(incl_fn, top, lambda k: k not in root_frames),
        "ours": pct(incl_fn, top, lambda k: "(mockserver/" in k and k not in root_frames),
        "components": components(raw, total),
    }


def strip_line(frame: str) -> str:
    """`f (file.py:12)` -> `f (file.py)`."""
    head, sep, tail = frame.rpartition(":")
    return head + ")" if sep and tail.rstrip(")").isdigit() else frame


STAGES = [  # (label, markers): a sample goes to the deepest frame of its stack that contains a marker
    ("response validation (ResponseValidator.problems)", ("ResponseValidator.problems (",)),
    ("uvicorn: write response (RequestResponseCycle.send, socket writes)", ("RequestResponseCycle.send (",)),
    ("journal (Journal.record)", ("Journal.record (",)),
    ("connexion routing (RoutingMiddleware, inside MockMiddleware)", ("RoutingMiddleware.__call__ (",)),
    ("behaviour: authenticate", (".authenticate (mockserver/apis/",)),
    ("behaviour: Prefer / scenarios", ("MockMiddleware.directive (",)),
    ("behaviour: authorize", (".authorize (mockserver/apis/",)),
    ("behaviour: rate limiter", ("RateLimiter.hit (",)),
    ("behaviour: parameter parsing", (".parse (mockserver/apis/",)),
    ("behaviour: respond (page, render, encode)", (".respond (mockserver/apis/",)),
    ("error objects (mockserver/errors.py)", ("mockserver/errors.py",)),
    ("behaviour: other (MockMiddleware.run)", ("MockMiddleware.run (",)),
    ("render: headers + encode (MockMiddleware._render)", ("MockMiddleware._render (",)),
    ("read request (read_incoming)", ("read_incoming (",)),
    ("send_json: header list (minus the write)", ("send_json (",)),
    ("pipeline glue (MockMiddleware.__call__, Exchange, trace id)", ("MockMiddleware.__call__ (",)),
    ("ceiling app (Starlette router + Response)", ("Starlette.__call__ (",)),
    ("middleware stack outside ours (connexion/starlette)", ("MockApp.__call__ (",)),
    ("uvicorn: ASGI cycle glue (run_asgi)", ("RequestResponseCycle.run_asgi (",)),
    ("granian: ASGI glue (granian/asgi.py, granian/_futures.py)", ("granian/asgi.py", "granian/_futures.py")),
    ("uvicorn: HTTP protocol callbacks (httptools parsing)", ("uvicorn/protocols/http/",)),
    ("event loop, C code (uvloop, httptools, syscalls)", ("Runner.run (",)),
]


def stage_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for label, markers in STAGES:
            if any(marker in frame for marker in markers):
                return label
    return "other"


def components(raw: Path, total: int) -> list[tuple[str, float]]:
    counts: Counter[str] = Counter()
    for frames, count in stacks(raw):
        counts[stage_of(frames)] += count
    return [(k, 100.0 * v / total) for k, v in counts.most_common()] if total else []


def profile(
    pyspy: Path, wrk_bin: str, lua: Path, server: Server, req: Req, args: argparse.Namespace, outdir: Path
) -> dict[str, Any]:
    raw = outdir / f"profile-{server.name}-{req.name}.txt"
    load = args.profile_duration + 4
    argv = wrk_argv(wrk_bin, lua, server.port, req, load, args)
    loader = PROCS.start(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(1.5)  # let wrk connect before sampling: a profile of the steady state, not of connecting
        assert server.proc is not None
        spy = run_quiet(
            [
                str(pyspy),
                "record",
                "--pid",
                str(serving_pid(server.proc.pid)),
                "--duration",
                str(args.profile_duration),
                "--rate",
                str(args.profile_rate),
                "--format",
                "raw",
                "-o",
                str(raw),
            ],
            timeout=args.profile_duration + 60,
        )
        out, _ = loader.communicate(timeout=load + 60)
    finally:
        PROCS.stop(loader)
    if spy.returncode != 0 or not raw.exists():
        return {"error": spy.stdout[-1500:]}
    result = aggregate_profile(raw, args.profile_top)
    possible = args.profile_duration * args.profile_rate
    result["busy_pct"] = 100.0 * result["samples"] / possible if possible else float("nan")
    result["seconds"] = args.profile_duration
    result["rate"] = args.profile_rate
    line = next((ln for ln in out.splitlines() if ln.startswith("WRKJSON ")), None)
    if line:
        stats = json.loads(line[len("WRKJSON ") :])
        result["rps_under_profiler"] = stats["requests"] / (stats["duration_us"] / 1e6)
    result["raw"] = shown(raw)
    return result


def profile_startup(pyspy: Path, args: argparse.Namespace, outdir: Path) -> dict[str, Any]:
    """py-spy runs our mock from its first instruction; stopped (SIGINT to the group we made) at the first 200."""
    raw = outdir / "profile-ours-startup.txt"
    port = free_port()
    argv = [str(pyspy), "record", "--subprocesses", "--rate", "500", "--format", "raw", "-o", str(raw), "--"]
    argv += [str(MOCKSERVER), "serve", "--port", str(port)]
    logfile = outdir / "logs" / "startup-profile.log"
    with logfile.open("ab") as out:
        proc = PROCS.start(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < 120:
            if proc.poll() is not None:
                break
            try:
                if fetch(port, READY, timeout=2.0)[0] == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)  # py-spy writes its file when its child ends
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(30)
    finally:
        PROCS.stop(proc)
    if not raw.exists():
        return {"error": logfile.read_text(errors="replace")[-1500:]}
    result = aggregate_profile(raw, args.profile_top)
    result["busy_pct"] = float("nan")
    result["seconds_to_first_200_under_profiler"] = elapsed
    result["imports"] = module_imports(raw, result["samples"], args.profile_top)
    result["raw"] = shown(raw)
    return result


def module_imports(raw: Path, total: int, top: int) -> list[tuple[str, float]]:
    """Inclusive share of start-up per package imported from our code: the outermost `<module>` frame of a file
    outside mockserver/ (and outside the console script) names the package whose import the sample is in."""
    counts: Counter[str] = Counter()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        name = "(not importing: running code)"
        for frame in stack.split(";")[1:]:
            if not frame.startswith("<module> ("):
                continue
            where = frame[len("<module> (") :].rsplit(":", 1)[0]
            if where.startswith(("mockserver/", "fixtures/", "<")):
                continue
            name = "import " + where.split("/", 1)[0].removesuffix(".py")
            break
        counts[name] += int(count_text)
    return [(k, 100.0 * v / total) for k, v in counts.most_common(top)] if total else []


def render_profiles(profiles: dict[str, Any]) -> str:
    out = ["", "PROFILE (py-spy, Python frames only: C time is charged to the Python line that called it)"]
    loads = {k: p for k, p in profiles.items() if "error" not in p and not k.endswith("/startup")}
    if loads:
        # One row per stage, one column per profile: share of the Python samples, and the Python time per request
        # it stands for (samples / rate = seconds of Python, over the requests answered while sampling).
        def python_us(prof: dict[str, Any]) -> float:
            answered = (prof.get("rps_under_profiler") or 0) * prof.get("seconds", 0)
            return prof["samples"] / prof.get("rate", 1) / answered * 1e6 if answered else float("nan")

        stages = [label for label, _ in STAGES if any(dict(p["components"]).get(label) for p in loads.values())]
        stages += sorted({k for p in loads.values() for k, _ in p["components"]} - set(stages))
        rows = []
        for label in stages:
            if all(dict(p["components"]).get(label, 0.0) < 0.05 for p in loads.values()):
                continue
            row = [label]
            for prof in loads.values():
                share = dict(prof["components"]).get(label, 0.0)
                row.append(f"{share:4.1f}% {share * python_us(prof) / 100:5.0f}" if share else "")
            rows.append(row)
        rows.append(
            ["Python, all stages (us/request under the profiler)"] + [f"{python_us(p):.0f}" for p in loads.values()]
        )
        rows.append(
            ["wall time per request under the profiler (1e6 / req/s)"]
            + [f"{1e6 / p['rps_under_profiler']:.0f}" if p.get("rps_under_profiler") else "" for p in loads.values()]
        )
        rows.append(
            ["wall time per request without it (median of the wrk rounds)"]
            + [f"{1e6 / p['rps_measured']:.0f}" if p.get("rps_measured") else "" for p in loads.values()]
        )
        out.append(
            "Where the time goes, per stage: % of the Python samples, then us per request. On Granian, the rest of the"
            " wall time is its Rust HTTP server, the kernel and waiting, which py-spy does not see."
        )
        out.append(table(["stage (deepest marker in the stack)", *loads], rows))
    for key, prof in profiles.items():
        out.append("-" * 100)
        if "error" in prof:
            out.append(f"{key}: py-spy failed: {prof['error']}")
            continue
        if key.endswith("/startup"):
            out.append(
                f"{key}: {prof['samples']} samples at 500 Hz, first 200 after "
                f"{prof['seconds_to_first_200_under_profiler']:.2f} s under the profiler; stacks: {prof['raw']}"
            )
            out.append(
                table(
                    ["package imported (inclusive, outermost import)", "%"],
                    [[k, f"{v:.1f}"] for k, v in prof["imports"]],
                )
            )
            out.append(table(["inclusive: mockserver function", "%"], [[k, f"{v:.1f}"] for k, v in prof["ours"]]))
            continue
        out.append(
            f"{key}: {prof['samples']} samples, busy {prof['busy_pct']:.0f}% of the time, "
            f"{prof.get('rps_under_profiler', 0):.0f} req/s under the profiler; stacks: {prof['raw']}"
        )
        out.append(table(["self: function", "%"], [[k, f"{v:.1f}"] for k, v in prof["self"]]))
        out.append(table(["self: line", "%"], [[k, f"{v:.1f}"] for k, v in prof["self_lines"][:10]]))
        if prof["ours"]:
            out.append(table(["inclusive: mockserver function", "%"], [[k, f"{v:.1f}"] for k, v in prof["ours"]]))
    return "\n".join(out)
