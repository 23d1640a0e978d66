"""CORS on a real socket: any origin by default on both APIs, every contract response header exposed, preflights
without credentials, `--cors-origin` narrowing the KlayrAI API, and never on the admin API (docs/decisions.md)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from mockserver.cli import build_parser, settings_from
from mockserver.contract.spec import default_contract
from mockserver.http.cors import Cors, exposed_headers
from mockserver.settings import Settings
from mockserver.testing import RunningMock, serve_in_thread
from tests.conftest import DOC_KEY, EDGE, TOKEN

FRONT_END = "http://localhost:5173"
ELSEWHERE = "http://evil.example"
KLAYRAI = "/v1/accounts"
# Headers every answer has that a page may read anyway, or that are about CORS or transport themselves.
NOT_EXPOSED = {"content-type", "content-length", "date", "server", "vary", "content-encoding"}


def preflight(client: httpx.Client, path: str, origin: str, method: str = "GET", headers: str = "") -> httpx.Response:
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        asked["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=asked)


def exposed(response: httpx.Response) -> list[str]:
    return [name.strip() for name in response.headers["access-control-expose-headers"].split(",")]


@pytest.mark.parametrize(("path", "headers"), [(KLAYRAI, "x-api-key,klayrai-version"), (EDGE, "")])
def test_preflight_is_answered_without_credentials(http: httpx.Client, path: str, headers: str) -> None:
    response = preflight(http, path, FRONT_END, "GET", headers)
    assert response.status_code == 200 and response.content == b""
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "GET"
    assert response.headers.get("access-control-allow-headers") == (headers or None)
    assert response.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in response.headers


def test_preflight_grants_chromes_private_network_request(http: httpx.Client) -> None:
    asked = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    response = http.options(KLAYRAI, headers={**asked, "Access-Control-Request-Private-Network": "true"})
    assert response.status_code == 200 and response.headers["access-control-allow-private-network"] == "true"
    assert "access-control-allow-private-network" not in http.options(KLAYRAI, headers=asked).headers


def test_preflight_mirrors_any_method_so_the_api_answers_it(http: httpx.Client) -> None:
    assert preflight(http, KLAYRAI, FRONT_END, "DELETE").headers["access-control-allow-methods"] == "DELETE"
    answer = http.delete(KLAYRAI, headers={"Origin": FRONT_END, "x-api-key": DOC_KEY})
    assert answer.status_code == 405 and answer.json()["error"]["code"] == "method_not_allowed"
    assert answer.headers["access-control-allow-origin"] == "*"  # the page can read the API's own error


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        (KLAYRAI, {}, {"x-api-key": DOC_KEY}),
        (KLAYRAI, {}, {}),
        (EDGE, {"access_token": TOKEN}, {}),
        (EDGE, {}, {}),
    ],
)
def test_every_answer_exposes_the_contract_headers(
    http: httpx.Client, path: str, params: dict[str, str], headers: dict[str, str]
) -> None:
    response = http.get(path, params=params, headers={"Origin": FRONT_END, **headers})
    assert response.headers.get_list("access-control-allow-origin") == ["*"]  # once, though Graph sends its own
    assert "access-control-allow-credentials" not in response.headers
    assert exposed(response) == list(exposed_headers(default_contract()))
    sent = {name for name in response.headers if not name.startswith("access-control-")} - NOT_EXPOSED
    assert sent <= {name.lower() for name in exposed(response)}


def test_exposed_headers_are_the_contracts() -> None:
    names = set(exposed_headers(default_contract()))
    assert {"x-request-id", "X-RateLimit-Remaining", "Retry-After", "Allow"} <= names  # KlayrAI, its 429 and 405
    assert {"facebook-api-version", "x-fb-trace-id", "X-Business-Use-Case-Usage", "WWW-Authenticate"} <= names


def test_without_origin_nothing_changes(http: httpx.Client) -> None:
    response = http.get(KLAYRAI, headers={"x-api-key": DOC_KEY})
    assert not [name for name in response.headers if name.startswith("access-control-")]


def test_the_admin_api_is_never_cors_enabled(http: httpx.Client) -> None:
    answer = preflight(http, "/__mock/reset", FRONT_END, "POST", "content-type")
    assert answer.status_code == 405 and "access-control-allow-origin" not in answer.headers
    health = http.get("/__mock/health", headers={"Origin": FRONT_END})
    assert health.status_code == 200 and "access-control-allow-origin" not in health.headers


@pytest.fixture(scope="module")
def narrowed() -> Iterator[RunningMock]:
    with serve_in_thread(Settings(cors_origins=(FRONT_END,), log_level="warning")) as running:
        yield running


def test_cors_origin_narrows_the_klayrai_api(narrowed: RunningMock) -> None:
    with narrowed.client() as client:
        allowed = client.get(KLAYRAI, headers={"x-api-key": DOC_KEY, "Origin": FRONT_END})
        assert allowed.headers["access-control-allow-origin"] == FRONT_END
        assert "x-request-id" in exposed(allowed) and "Origin" in allowed.headers["vary"]
        refused = client.get(KLAYRAI, headers={"x-api-key": DOC_KEY, "Origin": ELSEWHERE})
        assert refused.status_code == 200 and "access-control-allow-origin" not in refused.headers
        assert "Origin" in refused.headers["vary"]
        early = preflight(client, KLAYRAI, FRONT_END, "GET", "x-api-key")
        assert early.status_code == 200 and early.headers["access-control-allow-origin"] == FRONT_END
        early = preflight(client, KLAYRAI, ELSEWHERE, "GET", "x-api-key")  # goes on: the API's own OPTIONS answer
        assert early.status_code == 405 and early.json()["error"]["code"] == "method_not_allowed"
        assert "access-control-allow-origin" not in early.headers


def test_graph_keeps_graphs_own_policy_when_narrowed(narrowed: RunningMock) -> None:
    with narrowed.client() as client:
        answer = client.get(EDGE, params={"access_token": TOKEN}, headers={"Origin": ELSEWHERE})
        assert answer.headers.get_list("access-control-allow-origin") == ["*"]
        assert preflight(client, EDGE, ELSEWHERE).headers["access-control-allow-origin"] == "*"


def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCK_CORS_ORIGINS", f"{FRONT_END},http://127.0.0.1:3000")
    settings = settings_from(build_parser().parse_args(["serve"]))
    assert settings.cors_origins == (FRONT_END, "http://127.0.0.1:3000")
    assert Settings().cors_origins == ()  # the default: any origin


@pytest.mark.anyio
async def test_an_api_allow_origin_is_replaced_not_repeated() -> None:
    async def graph_like(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"access-control-allow-origin", b"*")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"{}"})

    for origins, expected in (((), "*"), ((FRONT_END,), FRONT_END)):
        app = Cors(graph_like, origins, ["x-request-id"], always_open=lambda path: False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as client:
            response = await client.get("/", headers={"Origin": FRONT_END})
        assert response.headers.get_list("access-control-allow-origin") == [expected]
