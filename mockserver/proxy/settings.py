"""What the validating proxy is told, from `mockserver proxy` flags."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProxySettings:
    klayrai_upstream: str  # base URL the KlayrAI API's requests go to (a path prefix is kept)
    graph_upstream: str  # idem for the Graph edge
    host: str = "127.0.0.1"
    port: int = 4020
    cors_origins: tuple[str, ...] = ()
    log_level: str = "info"
    strict: bool = False  # broken request -> the API's own 400, not forwarded; broken response -> 502
    record: Path | None = None  # write each distinct real answer as an example payload under this folder
    junit: Path | None = None  # written at shutdown, one test case per rule
    fail_on_violation: bool = False  # exit code 1 at shutdown when any exchange broke a rule
    connect_timeout: float = 5.0
    timeout: float = 30.0  # seconds for the whole exchange with the upstream
    max_answer_bytes: int = 16 << 20  # an upstream answer over this is a 502 naming the cap
    journal_size: int = 1000
    journal_bytes: int = 64 << 20  # as the mock's journal: what its entries hold together
    journal_body_bytes: int = 64 * 1024  # each body the journal (and the HAR file) keeps
    record_har: Path | None = None  # what passed through, as HAR 1.2, kept valid on disk (proxy.har_file)
    record_har_bytes: int = 256 << 20  # bound of that file; later exchanges are counted, not kept
    admin_token: str | None = None  # the admin API's guard, as the mock's (mockserver.controls.admin_guard)
    admin_hosts: tuple[str, ...] = ()

    def upstream_for(self, api: str) -> str:
        return self.klayrai_upstream if api == "klayrai" else self.graph_upstream
