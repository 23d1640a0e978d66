"""A worker of `mockserver serve --workers 2` killed with SIGKILL is replaced: the server keeps answering and its pool
comes back to two workers (Granian's `respawn_failed_workers`). Real processes over a real Redis."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from tests.conftest import DOC_KEY
from tests.mock.test_cli import serving
from tests.redis_server import redis_running

CRASH_LOOP_WINDOW = 6.0


def children(pid: int) -> set[int]:
    """The live child processes of `pid` (Linux /proc), zombies left out."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            status = Path(f"/proc/{child}/status")
            if status.exists() and "State:\tZ" not in status.read_text():
                found.add(int(child))
    return found


def age(pid: int) -> float:
    """Seconds since the process started (Linux /proc)."""
    started = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19]) / os.sysconf("SC_CLK_TCK")
    return float(Path("/proc/uptime").read_text().split()[0]) - started


def wait_for(predicate, timeout: float = 30) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_worker_killed_with_sigkill_is_replaced_and_the_server_keeps_answering(tmp_path: Path) -> None:
    with redis_running(tmp_path) as redis, serving("--workers", "2", "--state", redis.url()) as (base, process):
        assert wait_for(lambda: len(children(process.pid)) == 2), children(process.pid)
        # Granian takes a worker dying within 5.5 s of its (re)spawn for a crash loop and stops: a worker that a
        # loaded machine made fail at start would turn this kill into one. Kill a worker that has served a while.
        assert wait_for(lambda: all(age(pid) > CRASH_LOOP_WINDOW for pid in children(process.pid)))
        before = children(process.pid)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        with httpx.Client(base_url=base, timeout=5) as client:
            assert process.poll() is None, process.communicate(timeout=10)[1]
            for _ in range(20):  # the other worker answers meanwhile
                assert client.get("/v1/accounts", headers={"x-api-key": DOC_KEY}).status_code == 200
            assert wait_for(lambda: len(children(process.pid)) == 2 and victim not in children(process.pid))
            assert process.poll() is None
            for _ in range(20):
                assert client.get("/v1/accounts", headers={"x-api-key": DOC_KEY}).status_code == 200
