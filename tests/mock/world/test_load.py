"""Loading a world: the embedded default, a generated one, and a user's JSON or YAML file, always checked."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.contract.spec import default_contract
from mockserver.errors import MockServerError
from mockserver.world.generator import generate
from mockserver.world.load import DEFAULT_WORLD, check, load_world
from mockserver.world.writer import dump, dump_yaml

CONTRACT = default_contract()
WORLD = json.loads(DEFAULT_WORLD.read_text(encoding="utf-8"))


def fault(path: str, mutate: Callable[[Any], None], message: str) -> Any:
    return pytest.param(mutate, message, id=path)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        fault("type", lambda w: w["klayrai"]["accounts"][3].update(campaignCount="12"),
              'klayrai.accounts[3] (act_000002).campaignCount: "12" is not of type "integer"'),
        fault("invariant", lambda w: w["klayrai"]["accounts"][3].update(activeCampaignCount=10**6),
              "klayrai.accounts[3] (act_000002).activeCampaignCount: 1000000 > campaignCount"),
        fault("cross-api", lambda w: w["klayrai"]["accounts"][3].update(metaAccountId="act_1"),
              "klayrai.accounts[3] (act_000002).metaAccountId: no Meta ad account 'act_1'"),
        fault("required", lambda w: w["meta"]["ad_accounts"][0].pop("currency"),
              'meta.ad_accounts[0] (act_123456789): "currency" is a required property'),
        fault("timezone", lambda w: w["meta"]["ad_accounts"][0].update(timezone_name="Mars/Olympus"),
              "meta.ad_accounts[0] (act_123456789).timezone_name: 'Mars/Olympus' is not an IANA time zone"),
        fault("decimals", lambda w: w["klayrai"]["accounts"][0].update(totalSpendLast30d=1.234),
              "klayrai.accounts[0] (act_001).totalSpendLast30d: 1.234 has more than 2 decimals"),
        fault("synced", lambda w: w["klayrai"]["accounts"][0].update(lastSyncedAt="2020-01-01T00:00:00Z"),
              "klayrai.accounts[0] (act_001).lastSyncedAt: 2020-01-01T00:00:00Z is before connectedAt"),
        fault("format", lambda w: w["klayrai"]["accounts"][0].update(connectedAt="2026-02-30T08:00:00Z"),
              "klayrai.accounts[0] (act_001).connectedAt"),
        fault("duplicate", lambda w: w["meta"]["ad_accounts"].append(copy.deepcopy(w["meta"]["ad_accounts"][0])),
              "meta.ad_accounts: 'act_123456789' appears more than once"),
        fault("relation", lambda w: w["meta"]["client_relations"][0].update(ad_account_id="act_42"),
              "meta.client_relations[0].ad_account_id: no ad account 'act_42'"),
        fault("plan", lambda w: w["klayrai"]["workspaces"][0].update(plan="gold"),
              "klayrai.workspaces[0] (ws_demo).plan"),
    ],
)  # fmt: skip
def test_invalid_world_names_record_and_field(mutate: Callable[[Any], None], message: str) -> None:
    world = copy.deepcopy(WORLD)
    mutate(world)
    with pytest.raises(MockServerError) as caught:
        check(CONTRACT, world, "test")
    assert message in str(caught.value)


def test_embedded_default_world_is_the_generated_default() -> None:
    assert load_world(CONTRACT) == check(CONTRACT, generate(), "generated")


@pytest.mark.parametrize(("suffix", "writer"), [(".json", dump), (".yaml", dump_yaml)])
def test_world_file_round_trip(tmp_path: Path, suffix: str, writer: Callable[[Any], bytes]) -> None:
    path = tmp_path / f"world{suffix}"
    path.write_bytes(writer(generate(7, 30)))
    assert load_world(CONTRACT, path=path) == check(CONTRACT, generate(7, 30), "generated")


def test_hand_written_yaml_world_with_an_error(tmp_path: Path) -> None:
    world = copy.deepcopy(WORLD)
    world["meta"]["tokens"][0]["business_ids"] = ["999"]
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(world), encoding="utf-8")
    with pytest.raises(MockServerError, match=r"meta\.tokens\[0\] \(agency\)\.business_ids: no business '999'"):
        load_world(CONTRACT, path=path)


@pytest.mark.parametrize("text", ["{", "[]", "null", "klayrai: 1"])
def test_unreadable_or_shapeless_world_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MockServerError):
        load_world(CONTRACT, path=path)


def test_missing_world_file(tmp_path: Path) -> None:
    with pytest.raises(MockServerError, match="cannot read world file"):
        load_world(CONTRACT, path=tmp_path / "nope.json")


def test_seed_and_size_choose_a_different_valid_world() -> None:
    other = load_world(CONTRACT, seed=7, size=150)
    assert len(other.connections) != len(load_world(CONTRACT).connections)
    assert sum(1 for c in other.connections if c.workspace_id == "ws_agency") == 150


def test_large_generated_worlds_are_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mockserver.world.load as load

    monkeypatch.setenv("MOCK_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(load, "CACHE_FROM_SIZE", 40)
    assert load.generated(7, 39) == generate(7, 39) and not list(tmp_path.iterdir())  # small: not cached
    first = load.generated(7, 60)
    (cached,) = tmp_path.iterdir()
    assert load.generated(7, 60) == first == generate(7, 60)
    cached.write_bytes(b"not marshal")  # a damaged cache is regenerated, never served
    assert load.generated(7, 60) == first
    assert load.load_world(CONTRACT, seed=7, size=60) == check(CONTRACT, first, "generated")


def test_cache_key_covers_every_module_the_generator_uses() -> None:
    """A change to any module a generated world depends on must miss the cache, not serve yesterday's world."""
    import mockserver.world.load as load
    import mockserver.world.writer  # noqa: F401  (with the generator and every module they use)

    used = {Path(str(m.__file__)) for n, m in sys.modules.items() if n.split(".")[:2] == ["mockserver", "world"]}
    assert len(used) >= 10 and used <= set(load.source_files())
