"""The settings a worker process receives: `mockserver serve` passes them through the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.errors import MockServerError
from mockserver.http.server import check, decode_settings, encode_settings
from mockserver.settings import Settings


def test_settings_survive_the_trip_to_a_worker() -> None:
    settings = Settings(
        host="0.0.0.0",
        port=8080,
        seed=7,
        size=500,
        world=Path("/tmp/world.json"),
        scenarios=None,
        latency_ms=(20.0, 80.0),
        cors_origins=("http://localhost:5173", "*"),
        validate_responses=False,
        server="uvicorn",
        workers=3,
        state="redis://127.0.0.1:6379/0",
        admin_token="s3cret",
    )
    assert decode_settings(encode_settings(settings)) == settings
    assert decode_settings(encode_settings(Settings())) == Settings()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (Settings(server="hypercorn"), "unknown server 'hypercorn': choose one of granian, uvicorn"),
        (Settings(workers=0), "workers must be at least 1, got 0"),
    ],
)
def test_what_no_worker_could_run_is_refused(settings: Settings, message: str) -> None:
    with pytest.raises(MockServerError, match=message):
        check(settings)
