"""`graph.error_envelope`'s WWW-Authenticate comparison: what a correct server may have to do to a message in a header
passes, a wrong scheme, word or message or a missing header fails."""

from __future__ import annotations

import pytest
from klayrai_conformance.graph_rules import www_authenticate_problem
from klayrai_conformance.header_text import TRUNCATION_BOUND, carries

MESSAGE = '(#100) Tried accessing nonexisting field (naïve—"x"\n) on node type (AdAccount)'
PREFIX = 'OAuth "Facebook Platform" "invalid_request" "'


def header(message: str, prefix: str = PREFIX) -> str:
    return prefix + message + '"'


@pytest.mark.parametrize(
    "written",
    [
        "(#100) Tried accessing nonexisting field (naïve—'x'\n) on node type (AdAccount)",  # raw
        "(#100) Tried accessing nonexisting field (na?ve?'x' ) on node type (AdAccount)",  # ? per character, blank
        "(#100) Tried accessing nonexisting field (na??ve???'x'?) on node type (AdAccount)",  # ? per UTF-8 byte
        "(#100) Tried accessing nonexisting field (nave'x') on node type (AdAccount)",  # dropped
        "(#100) Tried accessing nonexisting field (na\\u00efve\\u2014'x'\\n) on node type (AdAccount)",  # escapes
        "(#100) Tried accessing nonexisting field (na\\xc3\\xafve\\xe2\\x80\\x94'x'\\x0a) on node type (AdAccount)",
        "(#100) Tried accessing nonexisting field (naÃ¯veâ\x80\x94'x' ) on node type (AdAccount)",  # UTF-8 as Latin-1
        "(#100) Tried accessing nonexisting field (naive'x' ) on node type (AdAccount)",  # transliterated
        "(#100) Tried accessing nonexisting field (na\ufffdve\ufffd'x'\ufffd) on node type (AdAccount)",
    ],
)
def test_standard_replacements_of_what_a_header_cannot_carry_pass(written: str) -> None:
    assert www_authenticate_problem(header(written), 100, 400, MESSAGE) is None


@pytest.mark.parametrize(
    ("value", "wrong"),
    [
        (None, "missing"),
        (header(MESSAGE.replace('"', "'"), 'Bearer "Facebook Platform" "invalid_request" "'), "scheme"),
        (header(MESSAGE.replace('"', "'"), 'OAuth "Facebook Platform" "invalid_token" "'), "word"),
        (header("(#100) Tried accessing nonexisting field (naive) on node type (AdAccount)"), "message"),
        (header('(#100) Tried accessing nonexisting field (na?ve?"x"?) on node type (AdAccount)'), "quotes"),
        (header("(#100) Tried accessing nonexisting field (na?ve?'x'?) on node type (AdAccoun"), "cut short"),
        (header("(#100) Tried accessing NONEXISTING field (na?ve?'x'?) on node type (AdAccount)"), "changed"),
        (PREFIX + "(#100) Tried", "unterminated"),
    ],
)
def test_a_wrong_scheme_word_message_or_a_missing_header_fails(value: str | None, wrong: str) -> None:
    assert www_authenticate_problem(value, 100, 400, MESSAGE) is not None, wrong


def test_the_word_follows_the_code_and_status() -> None:
    assert www_authenticate_problem(header("x", 'OAuth "Facebook Platform" "invalid_token" "'), 190, 400, "x") is None
    assert www_authenticate_problem(header("x", 'OAuth "Facebook Platform" "unknown_error" "'), 1, 500, "x") is None
    scope = 'OAuth "Facebook Platform" "insufficient_scope" "'
    assert www_authenticate_problem(header("x", scope), 200, 403, "x") is None
    assert www_authenticate_problem(header("x", scope), 100, 400, "x") is not None


def test_a_long_message_may_be_cut_only_past_the_documented_bound() -> None:
    text = "é" + "a" * (TRUNCATION_BOUND * 2)
    assert carries("?" + "a" * TRUNCATION_BOUND, text)
    assert carries("?" + "a" * (TRUNCATION_BOUND + 10) + "...", text)
    assert not carries("?" + "a" * (TRUNCATION_BOUND - 10), text)
    assert not carries("?" + "a" * (TRUNCATION_BOUND - 10) + "...", text)
    assert not carries("a" * (TRUNCATION_BOUND * 2 + 1), "a" * (TRUNCATION_BOUND * 2))  # longer is not a cut


def test_what_a_header_can_carry_must_come_through_unchanged() -> None:
    assert carries("plain ASCII ~!@#", "plain ASCII ~!@#")
    assert not carries("plain ASCII ~!@", "plain ASCII ~!@#")
    assert not carries("plain?ASCII", "plain ASCII")
    assert carries("C:\\\\path", "C:\\path") and carries("C:\\path", "C:\\path")
