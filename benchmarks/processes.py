"""Servers and process control: every process the benchmark starts, in its own process group, stopped on exit;
starting a server and timing it to its first 200; installing wrk, Prism and py-spy on first use."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.fetching import fetch
from benchmarks.targets import CACHE, PRISM_BIN, PRISM_PACKAGE, PYTHON, READY, ROOT, VENV_BIN, Req
from mockserver.testing import free_port


def shown(path: Path) -> str:
    """A path relative to the project when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


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


def on_signal(signum: int, _frame: Any) -> None:
    log(f"signal {signal.Signals(signum).name}: stopping everything this run started")
    raise SystemExit(128 + signum)


def rss_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of one process, in kB."""
    out = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def serving_pid(pid: int) -> int:
    """The process that answers requests: the first child (Granian's worker), or the process itself (uvicorn)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0]) if children else pid


def group_rss_kb(pgid: int) -> int:
    return sum(rss_kb(pid).get("VmRSS", 0) for pid in group_members(pgid))


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
    server.port = free_port()  # chosen now, not earlier: a port picked in advance may be taken meanwhile
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
            if status == 200 and server.proc.poll() is None:
                return time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            pass
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{server.name} did not answer 200 within {timeout:.0f} s")
        time.sleep(0.005)


def measure_startups(server: Server, extra: int, ready: Req = READY) -> None:
    """Start-up to first 200 on `extra` more fresh processes (each on a new port), stopped right after."""
    for _ in range(extra):
        probe = Server(server.name + "-startup", server.argv, server.logfile)
        try:
            server.startups.append(start_server(probe, ready))
        finally:
            if probe.proc is not None:
                PROCS.stop(probe.proc)
