#!/usr/bin/env python3
"""Benchmark of the mock server against a bare-Starlette ceiling and Prism, then a profile of the mock.

    .venv/bin/python benchmarks/run.py                 # full run: 3 rounds x 10 s per request and target
    .venv/bin/python benchmarks/run.py --quick         # development: 2 rounds x 3 s, shorter profile
    .venv/bin/python benchmarks/run.py --help

What it does, in order:
 1. installs what it needs: wrk (Debian package), Prism (`@stoplight/prism-cli`, npm, into benchmarks/.cache),
    py-spy (into the venv, for the profile); each is skipped when already there;
 2. starts on 127.0.0.1 and free ports: our mock with its default settings, our mock with
    --no-validate-responses, a bare Starlette app on the same uvicorn setup serving our mock's recorded bytes
    (benchmarks/ceiling.py), and Prism on the same openapi.yaml (with its default `info` logging, and quiet with
    `-v warn`); times each from process start to its first 200 (start-up is also repeated on fresh processes);
 3. checks what each answers (status, size, ceiling bytes == ours, Prism's body == a documented example);
 4. runs wrk (-t1 -c32 by default, a lua `done()` printing JSON percentiles) on the same requests for every
    target, alternating targets and repeating rounds, after an unrecorded warm-up;
 5. times our mock one request at a time, cold (right after /__mock/reset, which empties its caches) and warm;
    starts a mock with --size 100000 and compares page 1 with the last page (page 1000, page_size 100), under
    wrk load (answers kept) and cold;
 6. prints the tables, ratios and the issue's targets with PASS/FAIL;
 7. profiles our mock (py-spy, under wrk load) on each request type, with and without response validation, the
    ceiling for comparison, and the start-up of our mock; prints where the time goes.

`--report benchmarks/.cache/results/<time>/results.json` prints the tables of a past run again.

Everything it starts runs in its own process group and is stopped on exit, on failure and on Ctrl-C.
Results (JSON, server logs, raw py-spy stacks loadable in speedscope.app) go to benchmarks/.cache/results/.
The machine is shared and has 2 cores: one for the server, one for wrk. Read spreads, not single numbers.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import http.client
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

DOC_KEY = "klyr_live_abc123def456ghi789"
BIG_KEY = "klyr_live_agency2bigworkspace01"
GRAPH_TOKEN = "EAAGagency0valid0token"
BUSINESS = "1029384756"


@dataclass(frozen=True)
class Req:
    name: str
    label: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    operation: str = ""
    expect: int = 200

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query if self.query else "")


REQUESTS = [
    Req("klayrai", "KlayrAI list (doc key)", "/v1/accounts", "", (("x-api-key", DOC_KEY),), "listAccounts"),
    Req(
        "graph",
        "Graph list fields+summary",
        f"/v25.0/{BUSINESS}/client_ad_accounts",
        f"fields=name,currency,account_status&summary=true&limit=25&access_token={GRAPH_TOKEN}",
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


def shown(path: Path) -> str:
    """A path relative to the project when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes


class Processes:
    """Every process the benchmark starts, each in its own session (so its own process group)."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def start(self, argv: list[str], **kwargs: Any) -> subprocess.Popen:
        proc = subprocess.Popen(argv, start_new_session=True, **kwargs)
        self.started.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 5.0) -> None:
        """SIGTERM to the process group we created, then SIGKILL; never touches another group."""
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout)
        else:
            # The leader is gone; members it forked may remain in its group (same session id = its pid).
            for pid in group_members(proc.pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        if proc in self.started:
            self.started.remove(proc)

    def stop_all(self) -> None:
        for proc in list(reversed(self.started)):
            self.stop(proc, timeout=3.0)


def group_members(pgid: int) -> list[int]:
    """Live processes whose process group and session are `pgid` (i.e. descendants of a session we created)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid and int(fields[3]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


PROCS = Processes()


def _on_signal(signum: int, _frame: Any) -> None:
    log(f"signal {signal.Signals(signum).name}: stopping everything this run started")
    raise SystemExit(128 + signum)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def rss_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of one process, in kB."""
    out = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def group_rss_kb(pgid: int) -> int:
    return sum(rss_kb(pid).get("VmRSS", 0) for pid in group_members(pgid))


# ---------------------------------------------------------------- installs


def run_quiet(argv: list[str], timeout: float = 600) -> subprocess.CompletedProcess:
    proc = PROCS.start(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        PROCS.stop(proc)
    return subprocess.CompletedProcess(argv, proc.returncode, out, "")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if not shutil.which("apt-get"):
        raise SystemExit("wrk is not on PATH and apt-get is not available: install wrk")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env_install = [*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "wrk"]
    log("installing wrk (apt-get install wrk)")
    result = run_quiet(env_install)
    if result.returncode != 0:
        log("apt-get install failed; running apt-get update first")
        run_quiet([*sudo, "apt-get", "update", "-q"])
        result = run_quiet(env_install)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit(f"could not install wrk:\n{result.stdout[-2000:]}")
    return found


def ensure_prism() -> Path | None:
    if PRISM_BIN.exists():
        return PRISM_BIN
    if not shutil.which("npm"):
        log("npm not found: Prism targets skipped")
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    log(f"installing Prism ({PRISM_PACKAGE}) into {shown(CACHE)}/node_modules")
    result = run_quiet(
        ["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "--loglevel=error", PRISM_PACKAGE]
    )
    if result.returncode != 0 or not PRISM_BIN.exists():
        log(f"Prism install failed: Prism targets skipped\n{result.stdout[-2000:]}")
        return None
    return PRISM_BIN


def ensure_pyspy() -> Path | None:
    pyspy = VENV_BIN / "py-spy"
    if pyspy.exists():
        return pyspy
    found = shutil.which("py-spy")
    if found:
        return Path(found)
    log("installing py-spy into the venv")
    result = run_quiet([str(PYTHON), "-m", "pip", "install", "--quiet", "py-spy"])
    if result.returncode != 0 or not pyspy.exists():
        log(f"py-spy install failed: no profile\n{result.stdout[-2000:]}")
        return None
    return pyspy


# ---------------------------------------------------------------- HTTP


def fetch(port: int, req: Req, timeout: float = 10.0) -> tuple[int, list[tuple[str, str]], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", req.target, headers=dict(req.headers))
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def timed_fetch(port: int, req: Req) -> tuple[float, int, int]:
    started = time.perf_counter()
    status, _, body = fetch(port, req)
    return (time.perf_counter() - started) * 1000, status, len(body)


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


@dataclass
class Server:
    name: str
    argv: list[str]
    logfile: Path | None
    port: int = 0
    proc: subprocess.Popen | None = None
    startup_s: float | None = None
    startups: list[float] = field(default_factory=list)
    note: str = ""


def start_server(server: Server, ready: Req = READY, timeout: float = 180.0) -> float:
    """Start it and poll until its first 200 on `ready` (no fixed sleep); seconds from spawn to that 200."""
    out = server.logfile.open("ab") if server.logfile else subprocess.DEVNULL
    argv = [a.replace("{port}", str(server.port)) for a in server.argv]
    started = time.perf_counter()
    try:
        server.proc = PROCS.start(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT)
    finally:
        if server.logfile:
            out.close()
    deadline = started + timeout
    while True:
        if server.proc.poll() is not None:
            tail = server.logfile.read_text(errors="replace")[-3000:] if server.logfile else ""
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode} before answering:\n{tail}")
        try:
            status, _, _ = fetch(server.port, ready, timeout=2.0)
            if status == 200:
                return time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            pass
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{server.name} did not answer 200 within {timeout:.0f} s")
        time.sleep(0.005)


def measure_startups(server: Server, extra: int, ready: Req = READY) -> None:
    """Start-up to first 200 on `extra` more fresh processes (each on a new port), stopped right after."""
    for _ in range(extra):
        probe = Server(server.name + "-startup", server.argv, server.logfile, port=free_port())
        try:
            server.startups.append(start_server(probe, ready))
        finally:
            if probe.proc is not None:
                PROCS.stop(probe.proc)


# ---------------------------------------------------------------- wrk


def wrk_argv(wrk_bin: str, lua: Path, port: int, req: Req, seconds: float, args: argparse.Namespace) -> list[str]:
    argv = [wrk_bin, f"-t{args.threads}", f"-c{args.connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    for name, value in req.headers:
        argv += ["-H", f"{name}: {value}"]
    return [*argv, "-s", str(lua), f"http://{HOST}:{port}{req.target}"]


def wrk(wrk_bin: str, lua: Path, port: int, req: Req, seconds: float, args: argparse.Namespace) -> dict[str, Any]:
    proc = PROCS.start(
        wrk_argv(wrk_bin, lua, port, req, seconds, args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
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


# ---------------------------------------------------------------- summaries


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


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


def fmt_spread(value: float, low: float, high: float, digits: int) -> str:
    return f"{value:.{digits}f} [{low:.{digits}f}-{high:.{digits}f}]"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=False)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)) for row in rows]
    return "\n".join(out)


def verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("PASS" if ok else "FAIL")


def code_version() -> dict[str, str]:
    """The commit, and a digest of the code under test (mockserver/, fixtures/, openapi.yaml) as it is on disk."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("mockserver/**/*.py"), *ROOT.glob("fixtures/**/*"), SPEC]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    commit = ""
    with contextlib.suppress(Exception):
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "mockserver", "fixtures", "openapi.yaml"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        commit += " (+ uncommitted changes)" if dirty else ""
    return {"commit": commit, "digest": digest.hexdigest()[:12]}


def machine_info() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {}
    probe = (
        "import importlib.metadata as m, json; print(json.dumps({n: m.version(n) for n in "
        "('uvicorn','uvloop','httptools','starlette','connexion','jsonschema-rs') "
        "if __import__('importlib.util').util.find_spec(n.replace('-', '_'))}))"
    )
    with contextlib.suppress(Exception):
        versions = json.loads(subprocess.run([str(PYTHON), "-c", probe], capture_output=True, text=True).stdout)
    node = ""
    with contextlib.suppress(Exception):
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    prism_version = ""
    with contextlib.suppress(Exception):
        pkg = CACHE / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
        prism_version = json.loads(pkg.read_text())["version"]
    wrk_version = ""
    with contextlib.suppress(Exception):
        wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split()[1]
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": subprocess.run([str(PYTHON), "--version"], capture_output=True, text=True).stdout.strip(),
        "platform": platform.platform(),
        "packages": versions,
        "node": node,
        "prism": prism_version,
        "wrk": wrk_version,
        "loadavg_start": os.getloadavg(),
        "code_start": code_version(),
    }


# ---------------------------------------------------------------- Prism sanity


def documented_examples(operation: str) -> dict[str, tuple[int, Any]]:
    """name -> (status, value) of every documented example of an operation (read through mockserver.contract)."""
    sys.path.insert(0, str(ROOT))
    try:
        from mockserver.contract import Contract

        contract = Contract.load(SPEC)
        return {name: (ex.status, ex.value) for name, ex in contract.examples(operation).items()}
    except Exception as exc:  # the benchmark still runs without this check
        log(f"could not read the contract's examples: {exc}")
        return {}
    finally:
        sys.path.remove(str(ROOT))


def check_answers(servers: list[Server], recording: dict[str, tuple[int, list, bytes]]) -> dict[str, Any]:
    """What every target answers to each measured request; the ceiling must equal ours byte for byte."""
    checks: dict[str, Any] = {}
    for req in REQUESTS:
        examples = documented_examples(req.operation) if req.operation else {}
        for server in servers:
            status, headers, body = fetch(server.port, req)
            entry: dict[str, Any] = {"status": status, "bytes": len(body)}
            if server.name == "ceiling":
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


# ---------------------------------------------------------------- profile


def aggregate_profile(raw: Path, top: int) -> dict[str, Any]:
    """Collapsed py-spy stacks -> self and inclusive shares per function, and self shares per line."""
    self_fn: Counter[str] = Counter()
    incl_fn: Counter[str] = Counter()
    self_line: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
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
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if stack and count_text.isdigit():
            counts[stage_of(stack.split(";"))] += int(count_text)
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
                str(server.proc.pid),
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
    argv = [str(pyspy), "record", "--rate", "500", "--format", "raw", "-o", str(raw), "--"]
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


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, help="seconds per wrk run (10; --quick 3)")
    parser.add_argument("--repeats", type=int, help="rounds over all targets (3; --quick 2)")
    parser.add_argument("--warmup", type=float, help="unrecorded seconds per target and request first (3; --quick 1)")
    parser.add_argument("--quick", action="store_true", help="short runs for development")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1: one core for wrk, one for a server)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--startup-repeats", type=int, help="fresh starts per target for start-up time (3; --quick 1)")
    parser.add_argument("--big-size", type=int, default=100_000, help="accounts in the large workspace (100000)")
    parser.add_argument("--no-big", action="store_true", help="skip the large-workspace pagination part")
    parser.add_argument("--cold-samples", type=int, default=10, help="resets per request for cold latency (10)")
    parser.add_argument("--no-prism", action="store_true", help="skip Prism (no npm install)")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile")
    parser.add_argument("--profile-duration", type=int, help="seconds of sampling per profile (10; --quick 4)")
    parser.add_argument("--profile-rate", type=int, default=250, help="py-spy samples per second (250)")
    parser.add_argument("--profile-top", type=int, default=15, help="rows per profile table (15)")
    parser.add_argument("--out", type=Path, help="results folder (benchmarks/.cache/results/<time>)")
    parser.add_argument("--report", type=Path, metavar="RESULTS_JSON", help="print the report of a past run and exit")
    args = parser.parse_args(argv)
    defaults = (
        {"duration": 3, "repeats": 2, "warmup": 1, "startup_repeats": 1, "profile_duration": 4}
        if args.quick
        else {"duration": 10, "repeats": 3, "warmup": 3, "startup_repeats": 3, "profile_duration": 10}
    )
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def cold_ms(big: dict[str, Any], name: str) -> float:
    """Cold latency of a large-workspace page; nan for results of runs made before it was measured."""
    return big.get("cold", {}).get(name, {}).get("cold_ms", float("nan"))


def cold_ratio(big: dict[str, Any]) -> float:
    return cold_ms(big, "last") / cold_ms(big, "page1")


def reprint(path: Path) -> int:
    """The tables of a past run, from its results.json."""
    report = json.loads(path.read_text())
    settings = report["settings"]
    args = argparse.Namespace(
        threads=int(settings["threads"]),
        connections=int(settings["connections"]),
        repeats=int(settings["repeats"]),
        duration=float(settings["duration"]),
        warmup=float(settings["warmup"]),
        big_size=int(settings["big_size"]),
    )
    notes = report.get("prism_notes", {})
    names = list(next(iter(report["summary"].values())))
    servers = [Server(name, [], None, note=notes.get(name, "")) for name in names]
    print(render(report, servers, args))
    profiles = report.get("profiles")
    if profiles:
        for key, prof in profiles.items():
            server, _, req = key.partition("/")
            if "rps_measured" not in prof and req in report["summary"]:
                prof["rps_measured"] = report["summary"][req].get(server, {}).get("rps")
        print(render_profiles(profiles))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        return reprint(args.report)
    # SIGINT explicitly too: a shell starts background jobs with SIGINT ignored, and Python keeps that.
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    atexit.register(PROCS.stop_all)
    try:
        return benchmark(args)
    except KeyboardInterrupt:  # only if something restored Python's default SIGINT handler
        log("interrupted: stopping everything this run started")
        return 130
    finally:
        PROCS.stop_all()


def benchmark(args: argparse.Namespace) -> int:
    outdir = args.out or CACHE / "results" / time.strftime("%Y%m%d-%H%M%S")
    outdir.mkdir(parents=True, exist_ok=True)
    logs = outdir / "logs"
    logs.mkdir(exist_ok=True)
    lua = outdir / "report.lua"
    lua.write_text(WRK_LUA)

    wrk_bin = ensure_wrk()
    prism = None if args.no_prism else ensure_prism()
    machine = machine_info()
    report: dict[str, Any] = {"machine": machine, "settings": {k: str(v) for k, v in vars(args).items()}}

    # ---- targets
    ours = Server("ours", [str(MOCKSERVER), "serve", "--port", "{port}"], logs / "ours.log", free_port())
    noval = Server(
        "ours-noval",
        [str(MOCKSERVER), "serve", "--port", "{port}", "--no-validate-responses"],
        logs / "ours-noval.log",
        free_port(),
    )
    recording_file = outdir / "recording.json"
    ceiling = Server(
        "ceiling",
        [str(PYTHON), str(BENCH / "ceiling.py"), "--port", "{port}", "--recording", str(recording_file)],
        logs / "ceiling.log",
        free_port(),
    )
    prisms = []
    if prism is not None:
        base = [str(prism), "mock", str(SPEC), "-h", HOST, "-p", "{port}"]
        # Prism logs every request at its default level (info); stdout goes to /dev/null (tens of MB otherwise).
        prisms.append(Server("prism", base, None, free_port(), note="defaults (-v info)"))
        prisms.append(Server("prism-quiet", [*base, "-v", "warn"], None, free_port(), note="-v warn"))

    log(f"starting our mock on :{ours.port}")
    ours.startup_s = start_server(ours)
    ours.startups.append(ours.startup_s)
    recording: dict[str, tuple[int, list, bytes]] = {}
    for req in REQUESTS:
        recording[req.name] = fetch(ours.port, req)
        if recording[req.name][0] != req.expect:
            raise RuntimeError(f"our mock answered {recording[req.name][0]} to {req.name}, expected {req.expect}")
    recording_file.write_text(
        json.dumps(
            [
                {
                    "path": req.path,
                    "query": req.query,
                    "api_key": any(n.lower() == "x-api-key" for n, _ in req.headers),
                    "status": recording[req.name][0],
                    "headers": recording[req.name][1],
                    "body_b64": base64.b64encode(recording[req.name][2]).decode(),
                }
                for req in REQUESTS
            ],
            indent=1,
        )
    )
    servers = [ours, noval, ceiling, *prisms]
    for server in servers[1:]:
        log(f"starting {server.name} on :{server.port}")
        server.startup_s = start_server(server)
        server.startups.append(server.startup_s)
    if args.startup_repeats > 1:
        for server in servers:
            log(f"start-up time of {server.name}: {args.startup_repeats - 1} more fresh start(s)")
            measure_startups(server, args.startup_repeats - 1)

    checks = check_answers(servers, recording)
    report["checks"] = checks

    # ---- throughput and latency
    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    run_rounds(wrk_bin, lua, servers, REQUESTS, args, results)
    report["rss_kb"] = {s.name: group_rss_kb(s.proc.pid) for s in servers if s.proc}
    report["ours_rss"] = rss_kb(ours.proc.pid) if ours.proc else {}
    summary = {req: {name: summarize(runs) for name, runs in by.items()} for req, by in results.items()}
    report["runs"] = results
    report["summary"] = summary
    report["startup"] = {s.name: s.startups for s in servers}
    report["prism_notes"] = {s.name: s.note for s in prisms}
    log(f"cold and warm latency of our mock ({args.cold_samples} resets per request)")
    report["cold"] = {req.name: cold_and_warm(ours.port, req, args.cold_samples) for req in REQUESTS}

    # ---- large workspace
    big: dict[str, Any] = {}
    if not args.no_big:
        big_server = Server(
            "ours-big",
            [str(MOCKSERVER), "serve", "--port", "{port}", "--size", str(args.big_size)],
            logs / "ours-big.log",
            free_port(),
        )
        log(f"starting our mock with --size {args.big_size} on :{big_server.port}")
        big_server.startup_s = start_server(big_server, ready=BIG_REQUESTS[0])
        big_server.startups.append(big_server.startup_s)
        # Warm (wrk rounds below) the mock answers a repeated page from its cache; cold is the cost of rendering it.
        big["cold"] = {r.name: cold_and_warm(big_server.port, r, args.cold_samples) for r in BIG_REQUESTS}
        sizes = {}
        for req in BIG_REQUESTS:
            status, _, body = fetch(big_server.port, req)
            doc = json.loads(body)
            sizes[req.name] = {
                "status": status,
                "bytes": len(body),
                "items": len(doc.get("data", [])),
                "pagination": doc.get("pagination"),
            }
        big["answers"] = sizes
        big_results: dict[str, dict[str, list[dict[str, Any]]]] = {}
        big_args = argparse.Namespace(**{**vars(args), "warmup": min(args.warmup, 2)})
        # Two "targets" in the rotation: the same server, alternating page 1 and the last page.
        run_rounds(wrk_bin, lua, [big_server], BIG_REQUESTS, big_args, big_results)
        big["summary"] = {name: summarize(by["ours-big"]) for name, by in big_results.items()}
        big["runs"] = big_results
        big["startup_s"] = big_server.startup_s
        big["rss_kb"] = rss_kb(big_server.proc.pid) if big_server.proc else {}
        if big_server.proc:
            PROCS.stop(big_server.proc)
    report["big"] = big

    text = render(report, servers, args)
    print(text, flush=True)

    # ---- profile
    if not args.no_profile:
        pyspy = ensure_pyspy()
        if pyspy is not None:
            profiles: dict[str, Any] = {}
            for server, reqs in ((ours, REQUESTS), (noval, REQUESTS), (ceiling, REQUESTS[:1])):
                for req in reqs:
                    log(f"profiling {server.name} on {req.name} ({args.profile_duration} s under wrk load)")
                    prof = profile(pyspy, wrk_bin, lua, server, req, args, outdir)
                    prof["rps_measured"] = summary.get(req.name, {}).get(server.name, {}).get("rps")
                    profiles[f"{server.name}/{req.name}"] = prof
            log("profiling the start-up of our mock (spawn to first 200)")
            profiles["ours/startup"] = profile_startup(pyspy, args, outdir)
            report["profiles"] = profiles
            ptext = render_profiles(profiles)
            print(ptext, flush=True)
            text += "\n" + ptext
    report["machine"]["loadavg_end"] = os.getloadavg()
    report["machine"]["code_end"] = code_version()
    if report["machine"]["code_end"]["digest"] != report["machine"]["code_start"]["digest"]:
        warning = (
            "WARNING: mockserver/, fixtures/ or openapi.yaml changed on disk during this run "
            f"({report['machine']['code_start']} -> {report['machine']['code_end']}): servers started after the "
            "change run the new code. Run again for consistent numbers."
        )
        print(warning, flush=True)
        text += "\n" + warning
    (outdir / "results.json").write_text(json.dumps(report, indent=1, default=str))
    (outdir / "report.txt").write_text(text + "\n")
    print(f"\nResults: {shown(outdir)}/", flush=True)
    return 0


# ---------------------------------------------------------------- rendering


def render(report: dict[str, Any], servers: list[Server], args: argparse.Namespace) -> str:
    m = report["machine"]
    summary = report["summary"]
    names = [s.name for s in servers]
    out = []
    out.append("=" * 100)
    out.append(
        f"Machine: nproc {m['nproc']}, {m['cpu']}, {m['python']}, load average at start "
        f"{m['loadavg_start'][0]:.2f} (shared machine: read the spreads)"
    )
    code = m.get("code_start") or {}
    out.append(
        f"Code: commit {code.get('commit', '?')}, digest of mockserver/ fixtures/ openapi.yaml {code.get('digest')}"
    )
    pk = m.get("packages", {})
    out.append(
        "Stack: " + ", ".join(f"{k} {v}" for k, v in pk.items()) + f"; node {m['node']}, prism-cli {m['prism']}, "
        f"wrk {m['wrk']}"
    )
    out.append(
        f"Load: wrk -t{args.threads} -c{args.connections}, {args.repeats} rounds x {args.duration:.0f} s per request "
        f"and target, after {args.warmup:.0f} s warm-up; target order rotates each round. Values: median "
        "[min-max] over rounds."
    )
    out.append(
        "Targets: ours = mockserver serve (defaults); ours-noval = --no-validate-responses; ceiling = bare "
        "Starlette on the same uvicorn setup serving our recorded bytes"
        + "".join(f"; {s.name} = Prism {s.note}" for s in servers if s.name.startswith("prism"))
    )
    out.append("")
    for req in REQUESTS:
        rows = []
        for name in names:
            s = summary.get(req.name, {}).get(name)
            chk = report["checks"].get(req.name, {}).get(name, {})
            if not s:
                continue
            extra = ""
            if name == "ceiling":
                extra = "same bytes as ours" if chk.get("same_bytes_as_ours") else "BYTES DIFFER"
            elif name.startswith("prism"):
                extra = f"example {chk.get('example')!r}" if chk.get("example") else "not a documented example"
            rows.append(
                [
                    name,
                    fmt_spread(s["rps"], s["rps_min"], s["rps_max"], 0),
                    fmt_spread(s["p50"], s["p50_min"], s["p50_max"], 2),
                    fmt_spread(s["p99"], s["p99_min"], s["p99_max"], 2),
                    f"{chk.get('status', '?')}",
                    f"{s['non2xx_pct']:.0f}%",
                    f"{chk.get('bytes', '?')}",
                    str(s["socket_errors"]),
                    extra,
                ]
            )
        out.append(f"{req.label}: GET {req.target}" + (f"  [{req.headers[0][0]}]" if req.headers else ""))
        out.append(
            table(["target", "req/s", "p50 ms", "p99 ms", "status", "non-2xx", "bytes", "sock err", "answer"], rows)
        )
        out.append("")

    # ratios and targets
    def ratio(req: str, a: str, b: str, key: str) -> float | None:
        sa, sb = summary.get(req, {}).get(a), summary.get(req, {}).get(b)
        if not sa or not sb or not sb[key]:
            return None
        return sa[key] / sb[key]

    rows = []
    prism_names = [n for n in names if n.startswith("prism")]
    for req in REQUESTS:
        row = [req.name, f"{ratio(req.name, 'ours', 'ceiling', 'rps') or float('nan'):.2f}"]
        for p in prism_names:
            row += [
                f"{ratio(req.name, 'ours', p, 'rps') or float('nan'):.2f}",
                f"{ratio(req.name, 'ours', p, 'p99') or float('nan'):.2f}",
            ]
        row.append(f"{ratio(req.name, 'ours', 'ours-noval', 'rps') or float('nan'):.2f}")
        rows.append(row)
    headers = ["request", "ours/ceiling req/s"]
    for p in prism_names:
        headers += [f"ours/{p} req/s", f"p99 ours/{p}"]
    headers.append("ours/ours-noval req/s")
    out.append("Ratios (medians):")
    out.append(table(headers, rows))
    out.append("")

    # other facts
    st = report["startup"]
    out.append("Start-up, process spawn to first 200 on GET /v1/accounts (median [min-max] of fresh starts, s):")
    rows = [[n, fmt_spread(med(v), min(v), max(v), 2), str(len(v))] for n, v in st.items() if v]
    big = report.get("big", {})
    if big.get("startup_s") is not None:
        rows.append([f"ours --size {args.big_size}", f"{big['startup_s']:.2f}", "1"])
    out.append(table(["target", "seconds", "starts"], rows))
    out.append("")
    if report.get("cold"):
        out.append(
            "Our mock, one request at a time (ms, median of resets): cold = first answer after /__mock/reset "
            "empties every cache (rendering included), warm = the same request again (answer kept):"
        )
        rows = [
            [req.name, f"{c['cold_ms']:.2f}", f"{c['warm_ms']:.2f}", f"{c['cold_ms'] / c['warm_ms']:.2f}x"]
            for req in REQUESTS
            if (c := report["cold"].get(req.name))
        ]
        out.append(table(["request", "cold ms", "warm ms", "cold/warm"], rows))
        out.append("")
    rss = report["ours_rss"]
    out.append(
        f"RSS of our mock after the run: VmRSS {rss.get('VmRSS', 0) / 1024:.1f} MiB (peak VmHWM "
        f"{rss.get('VmHWM', 0) / 1024:.1f} MiB); others: "
        + ", ".join(f"{n} {kb / 1024:.1f} MiB" for n, kb in report["rss_kb"].items() if n != "ours")
    )
    if big:
        out.append("")
        out.append(
            f"Large workspace (--size {args.big_size}, key {BIG_KEY}), RSS {big['rss_kb'].get('VmRSS', 0) / 1024:.1f} "
            f"MiB:"
        )
        rows = []
        for req in BIG_REQUESTS:
            s = big["summary"][req.name]
            a = big["answers"][req.name]
            rows.append(
                [
                    req.label,
                    f"?{req.query}",
                    f"{cold_ms(big, req.name):.1f}",
                    fmt_spread(s["rps"], s["rps_min"], s["rps_max"], 0),
                    fmt_spread(s["p50"], s["p50_min"], s["p50_max"], 2),
                    fmt_spread(s["p99"], s["p99_min"], s["p99_max"], 2),
                    f"{a['status']} {a['items']} items {a['bytes']} B",
                ]
            )
        out.append(table(["page", "query", "cold ms", "req/s", "p50 ms", "p99 ms", "answer"], rows))
        s1, sl = big["summary"]["page1"], big["summary"]["last"]
        out.append(
            f"last/page1: p50 {sl['p50'] / s1['p50']:.2f}x, p99 {sl['p99'] / s1['p99']:.2f}x, "
            f"req/s {sl['rps'] / s1['rps']:.2f}x, cold {cold_ratio(big):.2f}x"
        )
    out.append("")

    # the targets
    out.append("Targets of the issue:")
    rows = []
    for p in prism_names:
        for req in REQUESTS:
            r_rps, r_p99 = ratio(req.name, "ours", p, "rps"), ratio(req.name, "ours", p, "p99")
            ok = None if r_rps is None or r_p99 is None else (r_rps >= 3 and r_p99 <= 1 / 3)
            rows.append(
                [
                    verdict(ok),
                    f">= 3x {p} throughput and <= 1/3 of its p99",
                    req.name,
                    f"{r_rps or float('nan'):.2f}x req/s, p99 {r_p99 or float('nan'):.2f}x",
                ]
            )
    if not prism_names:
        rows.append([verdict(None), ">= 3x Prism throughput and <= 1/3 of its p99", "all", "Prism not run"])
    for req in REQUESTS:
        r = ratio(req.name, "ours", "ceiling", "rps")
        rows.append(
            [
                verdict(None if r is None else r >= 0.5),
                ">= 50% of the bare-Starlette ceiling",
                req.name,
                f"{100 * (r or float('nan')):.0f}%",
            ]
        )
    if big:
        s1, sl = big["summary"]["page1"], big["summary"]["last"]
        r = sl["p50"] / s1["p50"]
        rows.append([verdict(r <= 1.5), "last page within 1.5x of page 1 (p50)", "page1000", f"{r:.2f}x"])
        r = cold_ratio(big)
        ok = None if math.isnan(r) else r <= 1.5
        rows.append([verdict(ok), "last page within 1.5x of page 1 (cold)", "page1000", f"{r:.2f}x"])
    st_ours = med(st.get("ours", []))
    rows.append([verdict(st_ours < 1.0), "start-up under 1 s with the default world", "ours", f"{st_ours:.2f} s"])
    out.append(table(["", "target", "request", "measured"], rows))
    out.append("")
    out.append("Prism's answers (same requests):")
    for req in REQUESTS:
        for p in prism_names:
            chk = report["checks"].get(req.name, {}).get(p, {})
            out.append(
                f"  {p:<12} {req.name:<8} -> {chk.get('status')} {chk.get('bytes')} B, "
                f"documented example: {chk.get('example')!r}; sl-violations: {chk.get('violations', '')[:160]}"
            )
    out.append("=" * 100)
    return "\n".join(out)


def render_profiles(profiles: dict[str, Any]) -> str:
    out = ["", "PROFILE (py-spy, Python frames only: C time is charged to the Python line that called it)"]
    loads = {k: p for k, p in profiles.items() if "error" not in p and not k.endswith("/startup")}
    if loads:
        # One row per stage, one column per profile: share of samples and an estimate of microseconds per request
        # (the share of 1e6 / req/s measured without the profiler, the server's core being saturated).
        def per_request(prof: dict[str, Any]) -> float:
            rps = prof.get("rps_measured") or prof.get("rps_under_profiler")
            return 1e6 / rps if rps else float("nan")

        stages = [label for label, _ in STAGES if any(dict(p["components"]).get(label) for p in loads.values())]
        stages += sorted({k for p in loads.values() for k, _ in p["components"]} - set(stages))
        rows = []
        for label in stages:
            if all(dict(p["components"]).get(label, 0.0) < 0.05 for p in loads.values()):
                continue
            row = [label]
            for prof in loads.values():
                share = dict(prof["components"]).get(label, 0.0)
                row.append(f"{share:4.1f}% {share * per_request(prof) / 100:5.0f}" if share else "")
            rows.append(row)
        rows.append(
            ["total us/request (1e6 / median req/s of the wrk rounds)"]
            + [f"{per_request(p):.0f}" for p in loads.values()]
        )
        rows.append(
            ["(us/request under the profiler)"]
            + [f"{1e6 / p['rps_under_profiler']:.0f}" if p.get("rps_under_profiler") else "" for p in loads.values()]
        )
        out.append("Where the time goes, per stage: % of samples, then estimated us per request")
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


if __name__ == "__main__":
    raise SystemExit(main())
