"""A real Redis for the tests: Debian's `redis-server` on a free port of 127.0.0.1, without persistence, in a
temporary directory, stopped by its process id. Tests that need it skip, saying why, when the binary is absent."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mockserver.testing import free_port
from tests.real_parts import require


class RedisServer:
    def __init__(self, directory: Path) -> None:
        self.binary = require("redis-server")
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        """Start on this server's port (again, after `stop`: a restart loses everything, as without persistence)."""
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.directory)]  # fmt: skip
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            assert self.process.poll() is None, "redis-server exited at start"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, "redis-server did not answer PING"
            time.sleep(0.02)

    def freeze(self) -> None:
        """SIGSTOP: Redis keeps its connections open and answers nothing, as a stalled server would."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def redis_running(directory: Path) -> Iterator[RedisServer]:
    """A Redis started in `directory`, stopped on exit (also when the body fails)."""
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()
