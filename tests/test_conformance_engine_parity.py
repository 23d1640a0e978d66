"""The kit is never weaker than its own engine: whatever plain `st run` with the kit's schemathesis.toml flags on a
server of tests/faulty, the kit flags too (exit 1). Both run as subprocesses with a small budget (few examples, one
seed), several servers at a time; the kit runs only where schemathesis flagged something."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from klayrai_conformance.fuzz import CONFIG_PATH

from mockserver.resources import SPEC_PATH
from mockserver.testing import serve_in_thread
from tests.conftest import AGENCY, BIG_KEY, TOKEN
from tests.faulty import FAULTS, TOLERATED
from tests.faulty.transport import TRANSPORT_FAULTS, serve_behind_front

ROOT = Path(__file__).resolve().parent.parent
ST = str(Path(sys.executable).with_name("st"))
MAX_EXAMPLES = "2"
SEED = "1"
PARALLEL = 4
Server = Callable[[], AbstractContextManager[str]]


def app_server(build: Callable[[], object]) -> Server:
    @contextmanager
    def serve() -> Iterator[str]:
        with serve_in_thread(app=build()) as running:  # type: ignore[arg-type]
            yield running.base_url

    return serve


def front_server(decide: Callable[[str], object]) -> Server:
    return lambda: serve_behind_front(decide)  # type: ignore[arg-type]


SERVERS: dict[str, Server] = {
    **{fault.name: app_server(fault.build) for fault in FAULTS},
    **{build.__name__: app_server(build) for build in TOLERATED},
    **{decide.__name__: front_server(decide) for decide in TRANSPORT_FAULTS},
}


def environment() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KLAYRAI_", "GRAPH_", "CONFORMANCE_"))}
    return {**clean, "KLAYRAI_API_KEY": BIG_KEY, "GRAPH_ACCESS_TOKEN": TOKEN, "GRAPH_BUSINESS_ID": AGENCY}


def plain_schemathesis(url: str) -> subprocess.CompletedProcess[str]:
    command = [
        ST, "--config-file", str(CONFIG_PATH), "run", str(SPEC_PATH), "--url", url,
        "--max-examples", MAX_EXAMPLES, "--seed", SEED, "--request-timeout", "3", "--no-color",
    ]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=300)


def the_kit(url: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "klayrai_conformance", "run", "--base-url", url,
        "--max-examples", MAX_EXAMPLES, "--seed", SEED, "--budget", "30",
    ]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=300)


def compare(name: str) -> str | None:
    """None when the kit flags whatever schemathesis flags on this server; else what it missed."""
    with SERVERS[name]() as url:
        engine = plain_schemathesis(url)
        if engine.returncode == 0:
            return None
        kit = the_kit(url)
    if kit.returncode == 1:
        return None
    outputs = f"{engine.stdout[-3000:]}\n{kit.stdout}"
    return f"{name}: st run exit {engine.returncode}, the kit exit {kit.returncode}\n{outputs}"


def test_the_kit_flags_every_server_that_plain_schemathesis_flags() -> None:
    with ThreadPoolExecutor(PARALLEL) as pool:
        missed = [result for result in pool.map(compare, sorted(SERVERS)) if result]
    assert not missed, "\n\n".join(missed)
