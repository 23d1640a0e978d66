"""The first five minutes with `mockserver serve`: the banner's links and curl lines work as pasted, and a browser
tab left open on the journal stream does not keep Ctrl-C from stopping the server."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import httpx
import pytest

from mockserver.http.server import SHUTDOWN_GRACE
from tests.mock.test_cli import serving
from tests.real_parts import require


def banner_until(process: subprocess.Popen[str], last: str) -> list[str]:
    """The banner's lines, read from the running server's stderr up to the first line containing `last`."""
    assert process.stderr is not None
    lines = []
    while not lines or last not in lines[-1]:
        lines.append(process.stderr.readline().rstrip("\n"))
    return lines


def test_the_banners_links_answer_and_its_curl_lines_work_when_pasted() -> None:
    curl = require("curl")
    with serving() as (base, process):
        lines = banner_until(process, "-X POST")
        links = [line.split()[-1] for line in lines if line.startswith("  ") and line.split()[-1].startswith(base)]
        assert f"{base}/__mock/ui/" in links and f"{base}/ui/" in links
        for link in links:
            assert httpx.get(link).status_code == 200, link
        pasted = [line.split(": ", 1)[1] if "Try:" in line else line.strip() for line in lines if "curl " in line]
        assert len(pasted) == 3
        for command in pasted:
            done = subprocess.run(["bash", "-c", command.replace("curl", curl, 1)], capture_output=True, text=True)
            assert done.returncode == 0 and "error" not in json.loads(done.stdout), (command, done.stdout)


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_an_open_journal_stream_does_not_hold_the_server_at_ctrl_c(server: str) -> None:
    with serving("--server", server) as (base, process):
        with httpx.stream("GET", f"{base}/__mock/journal/stream", timeout=30) as stream:
            lines = stream.iter_lines()  # held: dropping the iterator would close the stream
            assert next(lines) == "retry: 2000"
            asked = time.monotonic()
            process.send_signal(signal.SIGINT)
            process.wait(timeout=SHUTDOWN_GRACE + 20)
        assert time.monotonic() - asked < SHUTDOWN_GRACE + 10
