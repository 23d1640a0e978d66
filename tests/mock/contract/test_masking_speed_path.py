"""The masking rule's fast path (the pattern tried only where a secret's name or an auth scheme starts) masks exactly
what the pattern applied everywhere masks, on any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.contract.secrets import IN_TEXT, masked_in_text, masked_match

PIECES = st.sampled_from(
    [
        "access_token=", "ACCESS_TOKEN%3D", "appsecret_proof=", '"access_token": "', '\\"app_secret\\":\\"', "Bearer ",
        "oauth%20", "BEARER+", "client_secret%253D", "EAAGagency0valid0token", "abc123def456", "&", '"', " ", ",",
        "İ", "é", "Straße", "{", "}", "x" * 20,
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=30).map("".join))
def test_fast_path_masks_as_the_pattern_does(text: str) -> None:
    assert masked_in_text(text) == IN_TEXT.sub(masked_match, text)
