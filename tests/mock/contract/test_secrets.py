"""One masking rule for every secret wherever it travels: which values are secrets, the mask, and the journal (in
memory and in a real Redis) that keeps no secret whole, a batch item's copy of the batch's token included."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis as redis_client

from mockserver.contract.secrets import Masker, mask, mask_query, mask_text, request_secrets
from mockserver.settings import Settings
from mockserver.testing import RunningMock, serve_in_thread
from tests.conftest import AGENCY, DOC_KEY, EDGE, TOKEN
from tests.redis_server import redis_running

ITEM_TOKEN = "EAAGitem0own0token0001"


def test_the_mask_keeps_a_prefix_and_the_last_four_and_is_idempotent() -> None:
    assert mask(DOC_KEY) == "klyr_l...i789"
    assert mask(mask(DOC_KEY)) == mask(DOC_KEY)
    assert mask("short") == "sh..." and mask("tiny") == "***"
    assert mask("abcdefghijklmno") == "ab..."  # under 16 characters, a prefix and the last 4 would show too much


def test_secrets_are_found_wherever_a_client_puts_them() -> None:
    batch = [
        {"method": "GET", "relative_url": f"{AGENCY}/client_ad_accounts?access_token={ITEM_TOKEN}"},
        {"method": "POST", "relative_url": "x", "body": "access_token=EAAGitembody00001&adaccount_id=1"},
        {"method": "GET", "relative_url": "x", "headers": [{"name": "Authorization", "value": "OAuth EAAGhdr0001"}]},
        {"method": "GET", "relative_url": "x", "headers": ["Authorization: Bearer EAAGhdrline01"]},
    ]
    found = request_secrets(
        [("access_token", TOKEN), ("appsecret_proof", "a" * 64)],
        {"batch": json.dumps(batch), "client_secret": ["s3cr3t-app"]},
        {"x-api-key": DOC_KEY, "Authorization": "bearer EAAGbearer0001"},
    )
    for secret in (TOKEN, "a" * 64, ITEM_TOKEN, "EAAGitembody00001", "EAAGhdr0001", "EAAGhdrline01", DOC_KEY):
        assert secret in found
    assert "EAAGbearer0001" in found and "s3cr3t-app" in found


def test_text_keeps_no_secret_whole_known_or_not() -> None:
    body = json.dumps({"appsecret_proof": "b" * 64})
    text = f"curl 'http://x/?access_token={TOKEN}&a=1' -H 'Authorization: Bearer EAAGbearer0001' -d '{body}'"
    masked = mask_text(text)
    assert TOKEN not in masked and "EAAGbearer0001" not in masked and "b" * 64 not in masked
    assert mask(TOKEN) in masked
    assert Masker([DOC_KEY])(f"key {DOC_KEY}") == f"key {mask(DOC_KEY)}"
    batch = json.dumps([{"relative_url": f"me?access_token={ITEM_TOKEN}"}])
    assert ITEM_TOKEN not in mask_query(httpx.QueryParams({"batch": batch}).__str__())


def secret_free(entries: list[dict], *secrets: str) -> None:
    text = json.dumps(entries)
    for secret in secrets:
        assert secret not in text, f"{mask(secret)} is whole in the journal"


def proof_for(running: RunningMock) -> str:
    secret = running.credentials()["app_secret"]
    return hmac.new(secret.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()


def exercise(running: RunningMock) -> str:
    """A read with a token and a proof in the query, a key, and a batch whose items copy the batch's token."""
    proof = proof_for(running)
    with running.client() as client:
        assert client.get(EDGE, params={"access_token": TOKEN, "appsecret_proof": proof}).status_code == 200
        assert client.get("/v1/accounts", headers={"x-api-key": DOC_KEY}).status_code == 200
        items = [{"method": "GET", "relative_url": f"{AGENCY}/client_ad_accounts?limit=1"}] * 2
        answer = client.post("/v25.0/", data={"access_token": TOKEN, "batch": json.dumps(items)})
        assert answer.status_code == 200 and [item["code"] for item in answer.json()] == [200, 200]
    return proof


def stored_value(stored: redis_client.Redis, key: bytes) -> bytes:
    """A key's value as plain bytes, whatever its type (DUMP would compress it)."""
    kind = stored.type(key)
    if kind == b"string":
        return stored.get(key) or b""
    if kind == b"list":
        return b"".join(stored.lrange(key, 0, -1))
    if kind == b"hash":
        return b"".join(k + v for k, v in stored.hgetall(key).items())
    if kind == b"set":
        return b"".join(stored.smembers(key))
    return b"".join(stored.zrange(key, 0, -1))


@pytest.fixture
def in_memory() -> Iterator[RunningMock]:
    with serve_in_thread(Settings()) as running:
        yield running


def test_the_journal_in_memory_keeps_no_secret_whole(in_memory: RunningMock) -> None:
    proof = exercise(in_memory)
    entries = in_memory.journal(limit=10)
    assert len(entries) >= 4
    secret_free(entries, TOKEN, proof, DOC_KEY)
    assert any(mask(TOKEN) in entry["query"] for entry in entries)


def test_redis_keeps_no_secret_whole_in_the_journal_or_any_key(tmp_path: Path) -> None:
    with redis_running(tmp_path) as redis, serve_in_thread(Settings(state=redis.url())) as running:
        proof = exercise(running)
        entries = running.journal(limit=10)
        assert len(entries) >= 4
        secret_free(entries, TOKEN, proof, DOC_KEY)
        stored = redis_client.Redis.from_url(redis.url())
        keys = list(stored.scan_iter("*"))
        assert keys
        everything = b"".join(key + stored_value(stored, key) for key in keys)  # names and values
        stored.close()
        for secret in (TOKEN, proof, DOC_KEY):
            assert secret.encode() not in everything, f"{mask(secret)} is whole in Redis"
