"""gzip on a real socket: both APIs and the docs compress answers of 500 bytes or more for a client that accepts it,
say so in `Vary`, keep HEAD consistent, and compress each kept answer once."""

from __future__ import annotations

import gzip
from typing import Any

import httpx
import pytest

from mockserver.http import compression
from mockserver.testing import RunningMock
from tests.conftest import BIG_KEY, EDGE, TOKEN

KLAYRAI_PAGE = ("/v1/accounts", {"page_size": 100}, {"x-api-key": BIG_KEY})
GRAPH_PAGE = (EDGE, {"access_token": TOKEN, "limit": 100, "fields": "name,currency,amount_spent"}, {})
Request = tuple[str, dict[str, Any], dict[str, str]]


def raw(http: httpx.Client, request: Request, accept: str, method: str = "GET") -> tuple[httpx.Response, bytes]:
    """The answer and its bytes exactly as they came over the wire (httpx would decompress them)."""
    path, params, headers = request
    with http.stream(method, path, params=params, headers={**headers, "accept-encoding": accept}) as response:
        return response, b"".join(response.iter_raw())


@pytest.mark.parametrize(
    "request_", [KLAYRAI_PAGE, GRAPH_PAGE, ("/openapi.json", {}, {})], ids=["klayrai", "graph", "docs"]
)
def test_large_answers_are_gzipped(http: httpx.Client, request_: Request) -> None:
    plain, identity = raw(http, request_, "identity")
    response, body = raw(http, request_, "gzip, deflate, br")
    assert response.status_code == plain.status_code == 200 and len(identity) > compression.THRESHOLD
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]
    assert int(response.headers["content-length"]) == len(body) < len(identity)
    assert gzip.decompress(body) == identity
    assert "content-encoding" not in plain.headers and "vary" not in plain.headers


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0", "br", "deflate, *;q=0"])
def test_clients_that_refuse_gzip_get_identity(http: httpx.Client, accept: str) -> None:
    response, body = raw(http, KLAYRAI_PAGE, accept)
    assert "content-encoding" not in response.headers and body.startswith(b'{"data":')


def test_small_answers_stay_identity(http: httpx.Client) -> None:
    response, body = raw(http, ("/v1/accounts", {}, {}), "gzip")  # a 401, about 150 bytes
    assert response.status_code == 401 and len(body) < compression.THRESHOLD
    assert "content-encoding" not in response.headers and "vary" not in response.headers
    assert body.startswith(b'{"error":')


def test_head_gets_the_identity_headers_of_a_get(http: httpx.Client) -> None:
    _, identity = raw(http, GRAPH_PAGE, "identity")
    response, body = raw(http, GRAPH_PAGE, "gzip", method="HEAD")
    assert response.status_code == 200 and body == b""
    assert int(response.headers["content-length"]) == len(identity)
    assert "content-encoding" not in response.headers and "Accept-Encoding" in response.headers["vary"]


def test_each_kept_answer_is_compressed_once(
    http: httpx.Client, mockserver: RunningMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []

    def counting(body: bytes) -> bytes:
        made.append(len(body))
        return gzip.compress(body)

    monkeypatch.setattr(compression, "compress", counting)
    path, _, headers = KLAYRAI_PAGE
    once = (path, {"page_size": 37, "page": 2}, headers)  # a page no other test asks for
    bodies = {gzip.decompress(raw(http, once, "gzip")[1]) for _ in range(3)}
    assert len(bodies) == 1 and len(made) == 1
    raw(http, (path, {"page_size": 37, "page": 3}, headers), "gzip")
    assert len(made) == 2


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("gzip", True),
        ("GZip, deflate", True),
        ("deflate, gzip;q=0.5", True),
        ("*", True),
        ("x-gzip", True),
        ("gzip;q=0", False),
        ("gzip;q=0.0, *", False),
        ("*;q=0", False),
        ("br, zstd", False),
        ("identity", False),
        ("gzip;q=nonsense", False),
        ("", False),
    ],
)
def test_accept_encoding(accept: str, expected: bool) -> None:
    assert compression.accepts_gzip(accept) is expected
