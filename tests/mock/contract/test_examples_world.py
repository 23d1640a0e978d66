"""The contract's examples name the default world, so that what a reader copies from them (an id, a token, a
business in a path) works against the mock as it starts: every ad account, business, connection and token an
example names exists, and the expired-token example reads the world's own clock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver.contract.spec import default_contract
from mockserver.world.load import load_world
from tests.conftest import EDGE, EXPIRED_TOKEN

ID_KEYS = {"id", "metaAccountId", "businessId", "business_id", "adaccount_id", "account_id", "example"}
ID_LIKE = re.compile(r"(act_)?[0-9]+|EA[A-Za-z0-9_-]+")
MISSING_ON_PURPOSE = {"act_404404404"}  # the example of a POST naming an ad account that does not exist


def named_ids(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(where, value) of every id-like value under an id key, and of every token or business in a URL."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and key in ID_KEYS and ID_LIKE.fullmatch(value):
                yield f"{where}/{key}", value
            yield from named_ids(value, f"{where}/{key}")
    elif isinstance(node, list):
        for item in node:
            yield from named_ids(item, where)
    elif isinstance(node, str):
        yield from ((where, token) for token in re.findall(r"access_token=([A-Za-z0-9_-]+)", node))
        yield from ((where, business) for business in re.findall(r"/v[0-9]+\.[0-9]+/([0-9]+)/", node))


def test_every_id_an_example_names_exists_in_the_default_world() -> None:
    contract = default_contract()
    world = load_world(contract)
    known = {*world.ad_accounts, *world.businesses, *world.tokens, *(c.id for c in world.connections)}
    missing = [
        (where, value)
        for where, value in named_ids(contract.spec)
        if value not in known and f"act_{value}" not in known and value not in MISSING_ON_PURPOSE
    ]
    assert missing == []


@pytest.mark.usefixtures("mockserver")
def test_the_expired_token_example_is_what_the_mock_answers(http: httpx.Client) -> None:
    example = default_contract().resolve({"$ref": "#/components/examples/graph_190_463"})["value"]["error"]
    answered = http.get(EDGE, params={"access_token": EXPIRED_TOKEN}).json()["error"]
    assert answered["message"] == example["message"]
