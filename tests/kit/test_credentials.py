"""Credentials for every token and key state the contract describes: flags and environment variables, masked in
every output, filled from the mock's world for a loopback mock (the app secret from the world the mock runs); and
what "unreachable" means (refused connections only)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

from klayrai_conformance.cli import build_parser, credentials_from, main, target_from
from klayrai_conformance.http import reachable
from klayrai_conformance.target import Credentials

from mockserver.settings import Settings
from mockserver.testing import serve_in_thread
from tests.conftest import EXPIRED_TOKEN, NOPERM_TOKEN, REVOKED_KEY
from tests.faulty.transport import DROP, serve_behind_front

NEW_FLAGS = {
    "klayrai_key_revoked": ("--klayrai-key-revoked", "KLAYRAI_API_KEY_REVOKED"),
    "graph_token_expired": ("--graph-expired-token", "GRAPH_EXPIRED_TOKEN"),
    "graph_token_no_permission": ("--graph-token-no-permission", "GRAPH_TOKEN_NO_PERMISSION"),
    "graph_app_secret": ("--graph-app-secret", "GRAPH_APP_SECRET"),
}


def test_each_state_has_a_flag_and_an_environment_variable_and_is_a_secret() -> None:
    for name, (flag, env) in NEW_FLAGS.items():
        by_flag = credentials_from(build_parser().parse_args(["run", flag, "secret0value0by0flag"]), {})
        by_env = credentials_from(build_parser().parse_args(["run"]), {env: "secret0value0by0env"})
        assert getattr(by_flag, name) == "secret0value0by0flag" and getattr(by_env, name) == "secret0value0by0env"
        assert "secret0value0by0flag" in by_flag.secrets()


def test_a_loopback_mock_gets_the_states_of_its_own_world() -> None:
    with serve_in_thread(Settings(seed=7, log_level="warning")) as mock:
        args = build_parser().parse_args(["run", "--base-url", mock.base_url])
        credentials = target_from(args, {}).credentials
        assert credentials.graph_app_secret == mock.credentials()["app_secret"]
    assert credentials.klayrai_key_revoked == REVOKED_KEY
    assert credentials.graph_token_expired == EXPIRED_TOKEN
    assert credentials.graph_token_no_permission == NOPERM_TOKEN
    remote = target_from(
        build_parser().parse_args(["run", "--base-url", "https://graph.example.com", "--api", "meta"]),
        {"GRAPH_ACCESS_TOKEN": "EAAGremote0token0000", "GRAPH_BUSINESS_ID": "1"},
    ).credentials
    assert remote.graph_app_secret is None and remote.graph_token_expired is None


def test_the_states_are_masked_in_the_summary_and_junit(tmp_path: Path) -> None:
    secret = "0123456789abcdef0123456789abcdef"
    junit = tmp_path / "states.xml"
    with serve_in_thread(Settings(log_level="warning")) as mock:
        out = io.StringIO()
        rules = ["--rules", "graph.appsecret_proof", "--rules", "graph.expired_token", "--rules", "klayrai.auth.*"]
        args = ["run", "--base-url", mock.base_url, "--phases", "probes", *rules, "--graph-app-secret", secret]
        code = main([*args, "--junit", str(junit), "-v"], out=out, err=out)
    text = out.getvalue() + junit.read_text(encoding="utf-8")
    assert code == 1, out.getvalue()  # the mock's world has another app secret: the correct proof is refused
    assert "FAILED  graph.appsecret_proof" in text
    for value in (secret, REVOKED_KEY, EXPIRED_TOKEN):
        assert value not in text
    outcomes = {case.get("name"): [child.tag for child in case] for case in ET.parse(junit).getroot().iter("testcase")}
    assert outcomes["graph.expired_token"] == [] and outcomes["klayrai.auth.revoked_key"] == []


def test_a_target_that_accepts_connections_is_reachable_even_if_it_drops_them() -> None:
    with serve_behind_front(lambda line: DROP) as url:
        assert reachable(url, timeout=2) is None
    assert reachable(url, timeout=2) is not None  # nothing listens there any more: unreachable
    assert Credentials(graph_app_secret="x" * 20).secrets() == ["x" * 20]
