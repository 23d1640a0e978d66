"""The wire's reading of a request: headers decoded once per set a client repeats, shared, in the order sent."""

from __future__ import annotations

from mockserver.http.limits import DEFAULT
from mockserver.http.wire import decoded

SCOPE = {
    "type": "http",
    "method": "GET",
    "path": "/v1/accounts",
    "query_string": b"status=active",
    "scheme": "http",
    "server": ("127.0.0.1", 4010),
}


def scope_with(headers: list) -> dict:
    return {**SCOPE, "headers": headers}


def test_headers_keep_the_order_sent_and_the_first_of_a_repeated_one() -> None:
    raw = [(b"Host", b"127.0.0.1:4010"), (b"X-API-Key", b"first"), (b"Accept", b"*/*"), (b"x-api-key", b"second")]
    incoming = decoded(scope_with(raw), DEFAULT)
    assert list(incoming.headers.items()) == [("host", "127.0.0.1:4010"), ("x-api-key", "first"), ("accept", "*/*")]
    assert incoming.base_url == "http://127.0.0.1:4010"


def test_a_repeated_set_of_headers_is_decoded_once_and_shared() -> None:
    one = decoded(scope_with([(b"host", b"127.0.0.1:4010"), (b"x-api-key", b"k1")]), DEFAULT)
    two = decoded(scope_with([(b"host", b"127.0.0.1:4010"), (b"x-api-key", b"k1")]), DEFAULT)
    other = decoded(scope_with([(b"host", b"127.0.0.1:4010"), (b"x-api-key", b"k2")]), DEFAULT)
    assert one.headers is two.headers and other.headers is not one.headers
    assert other.headers == {"host": "127.0.0.1:4010", "x-api-key": "k2"}


def test_pairs_given_as_lists_are_decoded_too() -> None:
    incoming = decoded(scope_with([[b"host", b"example.test"], [b"accept", b"*/*"]]), DEFAULT)
    assert incoming.headers == {"host": "example.test", "accept": "*/*"}
    assert incoming.base_url == "http://example.test"
