"""One frozen settings object for the mock, from CLI flags and their environment variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mockserver.contract.spec import SPEC_PATH
from mockserver.http import limits as http_limits


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 4010
    seed: int = 42
    size: int | None = None
    world: Path | None = None
    scenarios: Path | None = None
    latency_ms: tuple[float, float] = (0.0, 0.0)
    rate_limit: str = "1000000/60"
    cors_origins: tuple[str, ...] = ()
    validate_responses: bool = True
    log_level: str = "info"
    journal_size: int = 1000  # entries kept; 0 keeps none (counted only)
    journal_bytes: int = 64 << 20  # what the kept entries hold together; the oldest go first
    journal_body_bytes: int = 64 * 1024  # each body kept, cut beyond (the entry says which were cut)
    spec: Path = field(default=SPEC_PATH)
    server: str = "granian"  # the ASGI server `serve` runs: granian or uvicorn (mockserver.http.server)
    workers: int = 1  # server processes on one port; more than one needs a shared state
    state: str | None = None  # None: in this process's memory; "redis://host:port/db": shared (mockserver.state.redis)
    state_timeout: float = 1.0  # seconds a request waits for the shared state at most, then gets its API's 5xx
    admin_token: str | None = None  # required by the admin API off loopback (Authorization: Bearer)
    admin_hosts: tuple[str, ...] = ()  # Host names the admin API accepts besides loopback ones (controls.admin_guard)
    # What a client may send, and what the mock keeps (mockserver.http.limits, docs/security.md).
    max_url_bytes: int = http_limits.MAX_URL_BYTES
    max_query_bytes: int = http_limits.MAX_QUERY_BYTES
    max_body_bytes: int = http_limits.MAX_BODY_BYTES
    max_json_depth: int = http_limits.MAX_JSON_DEPTH
    body_timeout: float = http_limits.BODY_TIMEOUT
    cache_bytes: int = http_limits.CACHE_BYTES

    @property
    def limits(self) -> http_limits.Limits:
        """What a client may send, as the request's way checks it."""
        return http_limits.Limits(
            self.max_url_bytes, self.max_query_bytes, self.max_body_bytes, self.max_json_depth, self.body_timeout
        )


def parse_latency(text: str) -> tuple[float, float]:
    """`"50"` -> fixed 50 ms; `"20-80"` -> uniform between 20 and 80 ms."""
    low, _, high = text.partition("-")
    bounds = (float(low), float(high or low))
    if bounds[0] < 0 or bounds[1] < bounds[0]:
        raise ValueError(f"latency must be MS or MIN-MAX with 0 <= MIN <= MAX, got {text!r}")
    return bounds
