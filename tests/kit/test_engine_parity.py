"""The kit is never weaker than its own engine: whatever plain `st run` with the kit's schemathesis.toml flags on a
server of tests/faulty, the kit flags too (exit 1).

Kept affordable: every server runs at once, `st run` goes through `tests.st_driver` (one start-up of schemathesis per
process, two processes side by side), with few examples and one seed; the kit runs only where schemathesis flagged
something. The servers below HTTP (hanging, slow) would keep plain `st run` busy for minutes, so they get its own
`--max-time`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import ExitStack

from klayrai_conformance.cli import main
from klayrai_conformance.fuzz import CONFIG_PATH

from mockserver.resources import SPEC_PATH
from mockserver.testing import serve_in_thread
from tests.conftest import AGENCY, BIG_KEY, TOKEN
from tests.faulty import FAULTS, TOLERATED
from tests.faulty.transport import TRANSPORT_FAULTS, serve_behind_front
from tests.paths import ROOT

ST_OPTIONS = ["--max-examples", "2", "--seed", "1", "--request-timeout", "2", "--no-color"]
BELOW_HTTP_OPTIONS = [*ST_OPTIONS, "--max-time", "10"]
KIT_OPTIONS = ["--max-examples", "2", "--seed", "1", "--budget", "20"]
APPS: list[Callable[[], object]] = [fault.build for fault in FAULTS] + list(TOLERATED)


def environment() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KLAYRAI_", "GRAPH_", "CONFORMANCE_"))}
    return {**clean, "KLAYRAI_API_KEY": BIG_KEY, "GRAPH_ACCESS_TOKEN": TOKEN, "GRAPH_BUSINESS_ID": AGENCY}


def plain_schemathesis(urls: list[str], options: list[str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.st_driver", str(CONFIG_PATH), str(SPEC_PATH), *urls, "--", *options]
    return subprocess.Popen(command, cwd=ROOT, env=environment(), stdout=subprocess.PIPE, text=True)


def flagged(process: subprocess.Popen[str]) -> set[str]:
    """The URLs whose `st run` did not exit 0."""
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, output
    results = dict(reversed(line.split(" ", 1)) for line in output.splitlines() if line.strip())
    return {url for url, code in results.items() if code != "0"}


def test_the_kit_flags_every_server_that_plain_schemathesis_flags() -> None:
    with ExitStack() as stack:
        names = {stack.enter_context(serve_in_thread(app=build())).base_url: build.__name__ for build in APPS}  # type: ignore[arg-type]
        fronts = {stack.enter_context(serve_behind_front(decide)): decide.__name__ for decide in TRANSPORT_FAULTS}
        urls = sorted(names)
        runs = [
            plain_schemathesis(urls[::2], ST_OPTIONS),
            plain_schemathesis(urls[1::2], ST_OPTIONS),
            *(plain_schemathesis([url], BELOW_HTTP_OPTIONS) for url in sorted(fronts)),
        ]
        caught = set().union(*(flagged(run) for run in runs))
        names.update(fronts)
        missed = []
        for url in sorted(caught):
            out = io.StringIO()
            code = main(["run", "--base-url", url, *KIT_OPTIONS], out=out, err=out)
            if code != 1:
                missed.append(f"{names[url]}: st run flagged it, the kit exit {code}\n{out.getvalue()}")
    assert caught, "schemathesis flagged none of the faulty servers: the comparison proves nothing"
    assert not missed, "\n\n".join(missed)
