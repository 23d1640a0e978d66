"""The generated fixture world: the seed page's doc example, the fixed credentials and POST targets, determinism
across processes, and the contract's invariants on every record (docs/decisions.md)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from mockserver.resources import DEFAULT_WORLD_PATH
from mockserver.world.clock import graph_time, utc
from mockserver.world.credentials import BATCH_POST_ACCOUNT, POST_OUTCOMES
from mockserver.world.generator import generate
from mockserver.world.load import KLAYRAI_OWNED
from mockserver.world.records import World
from mockserver.world.vocabulary import USD_RATES
from mockserver.world.writer import dump
from mockserver.world.writer import main as world_main
from tests.paths import ROOT, SEEDS

SEED_PAGE = SEEDS / "klayrai-accounts-api.txt"
NOW = datetime(2026, 3, 10, 14, 0, 0, tzinfo=UTC)
STATUS_OF = {
    1: "active",
    3: "active",
    7: "active",
    8: "active",
    9: "active",
    2: "disabled",
    100: "closed",
    101: "closed",
}
PERMISSION_ORDER = ["read_insights", "read_campaigns", "read_ads", "read_audiences", "manage_campaigns"]
TASK_ORDER = ["MANAGE", "ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE", "CREATIVE"]
ZERO_DECIMALS = {"JPY", "KRW"}
# The zones a currency may pair with: an independent table, not the generator's.
NON_EURO_EUROPE = {"Europe/London", "Europe/Stockholm", "Europe/Zurich", "Europe/Warsaw", "Europe/Oslo"}
US_ZONES = {"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix"}
SINGLE_ZONES = {
    "GBP": {"Europe/London"},
    "JPY": {"Asia/Tokyo"},
    "BRL": {"America/Sao_Paulo"},
    "INR": {"Asia/Kolkata"},
    "CAD": {"America/Toronto", "America/Vancouver"},
    "MXN": {"America/Mexico_City"},
    "SEK": {"Europe/Stockholm"},
    "CHF": {"Europe/Zurich"},
    "PLN": {"Europe/Warsaw"},
    "SGD": {"Asia/Singapore"},
    "NZD": {"Pacific/Auckland"},
    "KRW": {"Asia/Seoul"},
    "USD": US_ZONES,
}
KLAYRAI_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
GRAPH_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$")


def zone_fits(currency: str, zone: str) -> bool:
    if currency == "EUR":
        return zone.startswith("Europe/") and zone not in NON_EURO_EUROPE
    if currency == "AUD":
        return zone.startswith("Australia/")
    return zone in SINGLE_ZONES.get(currency, set())


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def seed_accounts() -> list[dict[str, Any]]:
    text = SEED_PAGE.read_text(encoding="utf-8")
    return json.loads(text.split("\nResponse\n", 1)[1].split("\nAccount object fields", 1)[0])["data"]


def by_id(records: list[dict[str, Any]], key: str = "id") -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in records}


def served(world: dict[str, Any], account: dict[str, Any]) -> dict[str, Any]:
    """The KlayrAI Account the mock serves for a stored account: Meta-side fields derived (FORMAT.md)."""
    node = by_id(world["meta"]["ad_accounts"])[account["metaAccountId"]]
    business = by_id(world["meta"]["businesses"])[node["owner_business_id"]]
    derived = {
        "name": node["name"],
        "currency": node["currency"],
        "timezone": node["timezone_name"],
        "status": STATUS_OF[node["account_status"]],
        "businessName": business["name"],
        "businessId": business["id"],
    }
    return {**{k: v for k, v in account.items() if k != "workspace_id"}, **derived}


def workspace_accounts(world: dict[str, Any], workspace_id: str) -> list[dict[str, Any]]:
    return [a for a in world["klayrai"]["accounts"] if a["workspace_id"] == workspace_id]


def relations_of(world: dict[str, Any], business_id: str) -> list[str]:
    return [r["ad_account_id"] for r in world["meta"]["client_relations"] if r["business_id"] == business_id]


@pytest.fixture(scope="module")
def default() -> dict[str, Any]:
    return generate()


@pytest.fixture(scope="module")
def big() -> dict[str, Any]:
    return generate(3, 400)


# ---- The doc example, field for field


def test_doc_workspace_is_the_seed_page_example(default: dict[str, Any]) -> None:
    expected = seed_accounts()
    accounts = workspace_accounts(default, "ws_demo")
    assert [a["id"] for a in accounts] == ["act_001", "act_002"]
    for account, seed in zip(accounts, expected, strict=True):
        assert {k: account[k] for k in KLAYRAI_OWNED} == {k: seed[k] for k in KLAYRAI_OWNED}
        assert served(default, account) == seed  # name, currency, timezone, status, business derive to the seed's


def test_doc_accounts_meta_side(big: dict[str, Any]) -> None:
    nodes, businesses = by_id(big["meta"]["ad_accounts"]), by_id(big["meta"]["businesses"])
    expected = {
        "act_123456789": ("Acme Corp - Main", "EUR", "Europe/Amsterdam"),
        "act_987654321": ("Acme Corp - EU Market", "EUR", "Europe/Berlin"),
    }
    for account_id, (name, currency, zone) in expected.items():
        node = nodes[account_id]
        assert (node["name"], node["currency"], node["timezone_name"], node["account_status"]) == (
            name,
            currency,
            zone,
            1,
        )
        assert node["owner_business_id"] == "1234567890"
    assert businesses["1234567890"]["name"] == "Acme Corporation"
    assert [a["id"] for a in workspace_accounts(big, "ws_demo")] == ["act_001", "act_002"]  # any seed


# ---- Bytes: the embedded default and determinism


def test_fixed_records_import_without_faker() -> None:
    """The kit and the tests read the credentials, vocabularies and clock without loading Faker or the generator."""
    code = (
        "import sys; import mockserver.world.credentials, mockserver.world.vocabulary, mockserver.world.clock; "
        "loaded = ('faker', 'mockserver.world.draws', 'mockserver.world.records', 'mockserver.state.store'); "
        "print(sorted(m for m in loaded if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_default_world_file_is_current() -> None:
    """A changed generator must regenerate fixtures/default_world.json (mockserver world --out ...)."""
    assert DEFAULT_WORLD_PATH.read_bytes() == dump(generate()), "regenerate fixtures/default_world.json"


def _digest_in_subprocess(hash_seed: str) -> str:
    code = (
        "import hashlib; from mockserver.world.generator import generate; from mockserver.world.writer import dump; "
        "print(hashlib.sha256(dump(generate(7, 500))).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_same_seed_same_bytes_across_processes() -> None:
    here = hashlib.sha256(dump(generate(7, 500))).hexdigest()
    assert _digest_in_subprocess("0") == _digest_in_subprocess("12345") == here


def test_same_bytes_on_another_day() -> None:
    """The clock is moved five years on (time and datetime) before the generator is imported: nothing changes."""
    code = (
        "import datetime as d, hashlib, time\n"
        "shift = 5 * 365 * 86400\n"
        "real_time = time.time\n"
        "time.time = lambda: real_time() + shift\n"
        "class Later(d.datetime):\n"
        "    @classmethod\n"
        "    def now(cls, tz=None):\n"
        "        return d.datetime.fromtimestamp(time.time(), tz)\n"
        "    @classmethod\n"
        "    def today(cls):\n"
        "        return cls.now()\n"
        "d.datetime = Later\n"
        "assert d.datetime.now().year >= 2030\n"
        "from mockserver.world.generator import generate\n"
        "from mockserver.world.writer import dump\n"
        "print(hashlib.sha256(dump(generate(7, 500))).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == hashlib.sha256(dump(generate(7, 500))).hexdigest()


def test_different_seed_or_size_gives_different_world() -> None:
    base = dump(generate(7, 50))
    assert dump(generate(8, 50)) != base
    assert dump(generate(7, 51)) != base
    assert generate(7, 50)["meta"]["app_secret"] != generate(8, 50)["meta"]["app_secret"]


def test_small_workspaces_do_not_depend_on_size() -> None:
    small, large = generate(5, 10), generate(5, 300)
    for workspace in ("ws_demo", "ws_starter", "ws_revoked", "ws_other"):
        assert workspace_accounts(small, workspace) == workspace_accounts(large, workspace)


def test_timestamps_are_formatted_like_strftime() -> None:
    for ts in (0, 59, 3599, 86399, 86400, 951_782_400, 1_709_164_799, 1_773_151_200, 4_102_444_799):
        moment = datetime.fromtimestamp(ts, UTC)
        assert utc(ts) == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert graph_time(ts) == moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def test_dump_is_canonical_json(default: dict[str, Any]) -> None:
    data = dump(default)
    assert data.endswith(b"}\n") and data.startswith(b'{\n "format": 1,\n "seed": 42,')
    assert json.loads(data) == default


def test_generate_returns_a_fresh_world() -> None:
    first = generate(1, 5)
    first["meta"]["businesses"][0]["name"] = "changed"
    first["klayrai"]["accounts"][0]["permissions"].append("changed")
    again = generate(1, 5)
    assert again["meta"]["businesses"][0]["name"] == "Acme Corporation"
    assert again["klayrai"]["accounts"][0]["permissions"] == ["read_insights", "read_campaigns", "read_ads"]


def test_cli_writes_json_and_yaml(tmp_path: Path) -> None:
    assert world_main(["--seed", "9", "--size", "4", "--out", str(tmp_path / "w.json")]) == 0
    assert (tmp_path / "w.json").read_bytes() == dump(generate(9, 4))
    assert world_main(["--seed", "9", "--size", "4", "--format", "yaml", "--out", str(tmp_path / "w.yaml")]) == 0
    text = (tmp_path / "w.yaml").read_text(encoding="utf-8")
    assert "&id" not in text and yaml.safe_load(text) == generate(9, 4)
    with pytest.raises(SystemExit):
        world_main(["--size", "0"])


# ---- Consumers


def test_store_loads_it(big: dict[str, Any]) -> None:
    world = World.from_dict(big)
    assert set(world.workspaces) == {"ws_demo", "ws_agency", "ws_starter", "ws_revoked", "ws_other"}
    assert len(world.connections) == 2 + 400 + 3 + 1 + 5
    assert len(world.ad_accounts) == len(big["meta"]["ad_accounts"])
    assert world.app_secret == big["meta"]["app_secret"]


def test_loader_accepts_it(big: dict[str, Any]) -> None:
    """The mock's own check (shape against openapi.yaml, references, invariants) finds nothing."""
    from mockserver.contract.spec import default_contract
    from mockserver.world.load import check

    assert check(default_contract(), big, "test").seed == 3


# ---- Credentials and the fixed Meta records


def test_credentials(big: dict[str, Any]) -> None:
    workspaces = by_id(big["klayrai"]["workspaces"])
    keys = {k["key"]: (w["id"], w["plan"], k["revoked"]) for w in workspaces.values() for k in w["api_keys"]}
    assert keys == {
        "klyr_live_abc123def456ghi789": ("ws_demo", "agency", False),
        "klyr_live_agency2bigworkspace01": ("ws_agency", "agency", False),
        "klyr_live_starterplan000000001": ("ws_starter", "starter", False),
        "klyr_live_revokedkey0000000001": ("ws_revoked", "agency", True),
        "klyr_test_otherworkspace00001": ("ws_other", "agency", False),
    }
    assert workspaces["ws_demo"]["name"] == "KlayrAI Demo Workspace"
    counts = Counter(a["workspace_id"] for a in big["klayrai"]["accounts"])
    assert counts == {"ws_demo": 2, "ws_agency": 400, "ws_starter": 3, "ws_revoked": 1, "ws_other": 5}
    tokens = by_id(big["meta"]["tokens"], "token")
    flags = {t: (v["business_ids"], v["expired"], v["can_manage"]) for t, v in tokens.items()}
    assert flags == {
        "EAAGagency0valid0token": (["1029384756"], False, True),
        "EAAGagency0expired0token": (["1029384756"], True, True),
        "EAAGagency0noperm0token": (["1029384756"], False, False),
        "EAAGother0agency0token": (["5550001111"], False, True),
    }
    assert tokens["EAAGagency0valid0token"]["name"] == "agency"
    for token in tokens.values():
        assert KLAYRAI_TIME.match(token["expires_at"])
        assert (when(token["expires_at"]) < NOW) == token["expired"]
    assert re.fullmatch(r"[0-9a-f]{32}", big["meta"]["app_secret"])


def test_agency_businesses(big: dict[str, Any]) -> None:
    businesses = by_id(big["meta"]["businesses"])
    agency, other = businesses["1029384756"], businesses["5550001111"]
    assert not agency["requires_approval"] and agency["name"] != other["name"]
    assert re.search(r" (Media|Agency|Group)$", agency["name"]), agency["name"]
    assert by_id(big["klayrai"]["workspaces"])["ws_agency"]["name"] == agency["name"]

    clients = relations_of(big, "1029384756")
    agency_meta = [a["metaAccountId"] for a in workspace_accounts(big, "ws_agency")]
    assert clients == ["act_123456789", "act_987654321", *agency_meta]
    other_meta = [a["metaAccountId"] for a in workspace_accounts(big, "ws_other")]
    assert relations_of(big, "5550001111") == other_meta
    assert not set(other_meta) & set(agency_meta)
    assert all(r["access_status"] == "CONFIRMED" for r in big["meta"]["client_relations"])


def test_post_outcomes(big: dict[str, Any]) -> None:
    """Each POST target gives its outcome under the contract's order of checks, for the agency business."""
    agency = "1029384756"
    nodes, businesses = by_id(big["meta"]["ad_accounts"]), by_id(big["meta"]["businesses"])
    clients = set(relations_of(big, agency))

    def outcome(account_id: str) -> str:
        node = nodes[account_id]
        if node["owner_business_id"] == agency:
            return "graph_3946"
        if node["pending_ownership_request"]:
            return "graph_3945"
        if account_id in clients:
            return "graph_3989"
        return "pending" if businesses[node["owner_business_id"]]["requires_approval"] else "confirmed"

    assert set(POST_OUTCOMES) == {"graph_3946", "graph_3945", "graph_3989", "confirmed", "pending"}
    assert {name: outcome(account_id) for name, account_id in POST_OUTCOMES.items()} == {
        name: name for name in POST_OUTCOMES
    }
    assert outcome(BATCH_POST_ACCOUNT) == "confirmed"  # the kit's batch probe adds it; nothing else does
    assert POST_OUTCOMES["graph_3989"] == "act_123456789"
    assert POST_OUTCOMES == {
        "graph_3946": "act_300000000001",
        "graph_3945": "act_300000000002",
        "confirmed": "act_300000000003",
        "pending": "act_300000000004",
        "graph_3989": "act_123456789",
    }
    # Only the dedicated target has a pending ownership request, so other POSTs are not blocked by surprise.
    assert [a["id"] for a in big["meta"]["ad_accounts"] if a["pending_ownership_request"]] == ["act_300000000002"]


def test_every_status_is_present(big: dict[str, Any]) -> None:
    accounts = workspace_accounts(big, "ws_agency")
    nodes = by_id(big["meta"]["ad_accounts"])
    assert {a["connectionStatus"] for a in accounts} == {"active", "disconnected", "token_expired"}
    codes = Counter(nodes[a["metaAccountId"]]["account_status"] for a in accounts)
    assert set(codes) == {1, 2, 3, 7, 8, 9, 100, 101}
    assert codes[1] > len(accounts) / 2  # mostly healthy, as real agencies are
    assert Counter(a["connectionStatus"] for a in accounts)["active"] > len(accounts) / 2
    assert {STATUS_OF[c] for c in codes} == {"active", "disabled", "closed"}


# ---- Invariants on every record


def test_klayrai_account_invariants(big: dict[str, Any]) -> None:
    nodes = by_id(big["meta"]["ad_accounts"])
    for a in big["klayrai"]["accounts"]:
        where = f"{a['workspace_id']}/{a['id']}"
        node = nodes[a["metaAccountId"]]  # cross_api.meta_account_exists
        assert re.fullmatch(r"act_[0-9]+", a["id"]) and re.fullmatch(r"user_[A-Za-z0-9]+", a["connectedBy"]), where
        assert KLAYRAI_TIME.match(a["connectedAt"]) and KLAYRAI_TIME.match(a["lastSyncedAt"]), where
        created = datetime.strptime(node["created_time"], "%Y-%m-%dT%H:%M:%S%z")
        assert created < when(a["connectedAt"]) <= when(a["lastSyncedAt"]) <= NOW, where
        if a["connectionStatus"] != "active":
            assert when(a["lastSyncedAt"]) <= NOW - timedelta(days=1), where
        assert 0 <= a["activeCampaignCount"] <= a["campaignCount"], where
        if node["account_status"] in (100, 101):
            assert a["activeCampaignCount"] == 0, where
        spend = a["totalSpendLast30d"]
        assert isinstance(spend, float) and spend >= 0 and round(spend, 2) == spend, where
        if node["currency"] in ZERO_DECIMALS:
            assert spend == int(spend), where
        if a["connectionStatus"] != "active" or node["account_status"] in (2, 100, 101):
            assert spend <= 250 * USD_RATES[node["currency"]] + 1, where  # nothing synced or nothing running
        scale = 1 if node["currency"] in ZERO_DECIMALS else 100
        assert int(node["amount_spent"]) >= round(spend * scale), where
        perms = a["permissions"]
        assert perms and perms == [p for p in PERMISSION_ORDER if p in perms], where


def test_ids_unique_and_well_formed(big: dict[str, Any]) -> None:
    accounts, meta = big["klayrai"]["accounts"], big["meta"]
    assert len({(a["workspace_id"], a["id"]) for a in accounts}) == len(accounts)
    assert len({a["metaAccountId"] for a in accounts}) == len(accounts)
    agency_ids = [a["id"] for a in workspace_accounts(big, "ws_agency")]
    assert agency_ids == [f"act_{n:06d}" for n in range(1, 401)]
    assert len({b["id"] for b in meta["businesses"]}) == len(meta["businesses"])
    assert all(re.fullmatch(r"[0-9]{10}", b["id"]) for b in meta["businesses"])
    assert len({a["id"] for a in meta["ad_accounts"]}) == len(meta["ad_accounts"])
    assert all(re.fullmatch(r"act_[1-9][0-9]{8,14}", a["id"]) for a in meta["ad_accounts"])
    assert len({(r["business_id"], r["ad_account_id"]) for r in meta["client_relations"]}) == len(
        meta["client_relations"]
    )
    assert len({t["token"] for t in meta["tokens"]}) == len(meta["tokens"])


def test_order_is_connected_at_then_id(big: dict[str, Any]) -> None:
    """Generated ids count up with connectedAt, so id order is the API's order."""
    for workspace in ("ws_agency", "ws_other", "ws_starter"):
        accounts = workspace_accounts(big, workspace)
        assert accounts == sorted(accounts, key=lambda a: (a["connectedAt"], a["id"]))


def test_meta_records(big: dict[str, Any]) -> None:
    meta = big["meta"]
    businesses, nodes = by_id(meta["businesses"]), by_id(meta["ad_accounts"])
    offsets: dict[str, float] = {}
    for node in meta["ad_accounts"]:
        where = node["id"]
        assert node["owner_business_id"] in businesses, where
        assert re.fullmatch(r".+ - .+", node["name"]), where
        assert zone_fits(node["currency"], node["timezone_name"]), (where, node["currency"], node["timezone_name"])
        zone = node["timezone_name"]
        if zone not in offsets:
            delta = NOW.astimezone(ZoneInfo(zone)).utcoffset()
            assert delta is not None
            offsets[zone] = delta.total_seconds() / 3600
        assert isinstance(node["timezone_offset_hours_utc"], float), where
        assert node["timezone_offset_hours_utc"] == offsets[zone], where
        assert node["account_status"] in STATUS_OF, where
        assert (node["disable_reason"] != 0) == (node["account_status"] in (2, 101)), where
        for field in ("amount_spent", "balance", "spend_cap"):
            assert re.fullmatch(r"0|[1-9][0-9]*", node[field]), (where, field)
        assert node["spend_cap"] == "0" or int(node["spend_cap"]) > int(node["amount_spent"]), where
        assert GRAPH_TIME.match(node["created_time"]) and node["created_time"] < "2026-03-10T14:00:00+0000", where
    assert offsets.get("America/New_York", -4.0) == -4.0  # DST started on 8 March 2026
    for relation in meta["client_relations"]:
        assert relation["business_id"] in businesses and relation["ad_account_id"] in nodes
        tasks = relation["permitted_tasks"]
        assert tasks and tasks == [t for t in TASK_ORDER if t in tasks], relation
    tasks_seen = Counter(tuple(r["permitted_tasks"]) for r in meta["client_relations"])
    assert tasks_seen.most_common(1)[0][0] == ("ADVERTISE", "ANALYZE")
    for token in meta["tokens"]:
        assert all(b in businesses for b in token["business_ids"])


def test_currencies_vary(big: dict[str, Any]) -> None:
    currencies = Counter(n["currency"] for n in big["meta"]["ad_accounts"])
    assert len(currencies) >= 6 and currencies.most_common(1)[0][0] in {"USD", "EUR"}


# ---- Size


@pytest.mark.parametrize("size", [1, 250])
def test_size_is_respected(size: int) -> None:
    world = generate(11, size)
    accounts = workspace_accounts(world, "ws_agency")
    assert len(accounts) == size == world["size"]
    assert len(relations_of(world, "1029384756")) == size + 2
    assert len({a["id"] for a in accounts}) == size
    World.from_dict(world)


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="size"):
        generate(1, 0)
