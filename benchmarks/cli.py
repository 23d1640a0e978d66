"""The one command: `python -m benchmarks` = `make bench`. Its flags, the run, what it
writes (report.txt, results.json, --json), and reprinting or comparing past runs."""

from __future__ import annotations

import argparse
import atexit
import json
import signal
import sys
from pathlib import Path
from typing import Any

from benchmarks.bench import benchmark, default_outdir
from benchmarks.goals import judge
from benchmarks.processes import PROCS, log, on_signal, shown
from benchmarks.profiling import render_profiles
from benchmarks.report import render, table, verdict


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    doc = sys.modules["benchmarks"].__doc__
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, help="seconds per wrk run (5; --quick 2)")
    parser.add_argument("--repeats", type=int, help="rounds over all targets (3; --quick 1)")
    parser.add_argument("--warmup", type=float, help="unrecorded seconds per target and request first (2; --quick 1)")
    parser.add_argument("--quick", action="store_true", help="short runs for development (~2 min)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1: one core for wrk, one for a server)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--startup-repeats", type=int, help="fresh starts of our mock for start-up time (5; --quick 2)")
    parser.add_argument("--big-size", type=int, default=100_000, help="accounts in the large workspace (100000)")
    parser.add_argument("--no-big", action="store_true", help="skip the large workspace (pages and POSTs)")
    parser.add_argument("--cold-samples", type=int, default=10, help="resets per request for cold latency (10)")
    parser.add_argument("--no-prism", action="store_true", help="skip Prism (no npm install)")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile")
    parser.add_argument("--profile-duration", type=int, help="seconds of sampling per profile (8; --quick 3)")
    parser.add_argument("--profile-rate", type=int, default=250, help="py-spy samples per second (250)")
    parser.add_argument("--profile-top", type=int, default=15, help="rows per profile table (15)")
    parser.add_argument("--out", type=Path, help="results folder (benchmarks/.cache/results/<time>)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures and targets as JSON here")
    parser.add_argument("--report", type=Path, metavar="RESULTS_JSON", help="print the report of a past run and exit")
    parser.add_argument(
        "--compare",
        type=Path,
        nargs=2,
        metavar=("A_JSON", "B_JSON"),
        help="print the targets of two --json files (or results.json) side by side and exit",
    )
    args = parser.parse_args(argv)
    defaults = (
        {"duration": 2, "repeats": 1, "warmup": 1, "startup_repeats": 2, "profile_duration": 3}
        if args.quick
        else {"duration": 5, "repeats": 3, "warmup": 2, "startup_repeats": 5, "profile_duration": 8}
    )
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def figures(report: dict[str, Any]) -> dict[str, Any]:
    """What two runs are compared on: the machine, the medians per request and target, and the judged targets."""
    return {
        "machine": report["machine"],
        "settings": report["settings"],
        "summary": {
            req: {name: {k: s[k] for k in ("rps", "p50", "p99", "non2xx_pct")} for name, s in by.items()}
            for req, by in report["summary"].items()
        },
        "targets": judge(report),
    }


def compare(a: Path, b: Path) -> int:
    runs = [json.loads(p.read_text()) for p in (a, b)]
    judged = [r["targets"] if "targets" in r else judge(r) for r in runs]
    rows = []
    for ra, rb in zip(*judged, strict=True):
        measured = [f"{verdict(r['ok'])} {r['measured']}" for r in (ra, rb)]
        rows.append([ra["target"], ra["request"], *measured])
    loads = [f"load {r['machine']['loadavg_start'][0]:.2f}" for r in runs]
    print(table(["target", "request", f"A: {shown(a)} ({loads[0]})", f"B: {shown(b)} ({loads[1]})"], rows))
    return 0


def reprint(path: Path) -> int:
    report = json.loads(path.read_text())
    print(render(report))
    if report.get("profiles"):
        print(render_profiles(report["profiles"]))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        return reprint(args.report)
    if args.compare:
        return compare(*args.compare)
    # SIGINT explicitly too: a shell starts background jobs with SIGINT ignored, and Python keeps that.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    atexit.register(PROCS.stop_all)
    outdir = args.out or default_outdir()
    try:
        report = benchmark(args, outdir)
    except KeyboardInterrupt:  # only if something restored Python's default SIGINT handler
        log("interrupted: stopping everything this run started")
        return 130
    finally:
        PROCS.stop_all()
    text = render(report)
    if report.get("profiles"):
        text += "\n" + render_profiles(report["profiles"])
    if report["machine"]["code_end"]["digest"] != report["machine"]["code_start"]["digest"]:
        text += (
            "\nWARNING: mockserver/, fixtures/ or openapi.yaml changed on disk during this run: servers started "
            "after the change ran the new code. Run again for consistent numbers."
        )
    print(text, flush=True)
    (outdir / "results.json").write_text(json.dumps(report, indent=1, default=str))
    (outdir / "report.txt").write_text(text + "\n")
    if args.json:
        args.json.write_text(json.dumps(figures(report), indent=1, default=str))
    print(f"\nResults: {shown(outdir)}/" + (f"; figures: {args.json}" if args.json else ""), flush=True)
    return 0
