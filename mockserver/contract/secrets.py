"""Which values of a request are secrets, and the one way every part of the project masks them.

Secrets are KlayrAI API keys (`X-API-Key`), Graph access tokens wherever a client puts them (the query, a form or
JSON body, `Authorization: Bearer|OAuth <token>`, a batch item's `relative_url`, `body` and `headers`),
`appsecret_proof`, the app secret and the admin token. Anything that could carry one out of the process (the admin
API, the journal, Redis, logs, recordings, the kit's and the proxy's reports) passes it through `mask` first: a
short recognisable prefix and the last 4 characters stay, so a reader can tell keys apart, not use one.

The mock, the validating proxy and the conformance kit all import this module, so the rule is written once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit

SECRET_PARAMS = frozenset({"access_token", "appsecret_proof", "app_secret", "client_secret"})
SECRET_HEADERS = frozenset({"x-api-key", "authorization", "proxy-authorization"})
MIN_SECRET = 6  # shorter values are no real credential, and replacing them would garble every text they occur in
MAX_BATCH_TEXT = 1 << 20  # a batch read for its secrets is bounded like any client JSON
MAX_DEPTH = 4  # batch items nest no deeper than this in practice; deeper is refused before this runs
# A secret parameter's value in any text: a query or form (`access_token=...`, URL-encoded inside another value
# too), JSON (`"access_token": "..."`), and an `Authorization` credential (`Bearer ...`, `OAuth ...`).
NAMES = "|".join(sorted(SECRET_PARAMS))
IN_TEXT = re.compile(
    rf"((?:{NAMES})(?:=|%3D|%253D|\\?\"\s*:\s*\\?\")|\b(?:Bearer|OAuth)(?:\s+|%20|\+))([^&\"'\\\s,;%<>{{}}\[\]]+)",
    re.IGNORECASE,
)

TEXT_HINTS = (*SECRET_PARAMS, "bearer", "oauth")  # every `IN_TEXT` match holds one of these, in any case
HINT = re.compile(rf"{NAMES}|batch|bearer|oauth", re.IGNORECASE)


SHOWN_WHOLE_ENDS = 16  # from this length on, the prefix and the last 4 leave at least 6 characters hidden


def mask(secret: str) -> str:
    """`klyr_live_abc123def456ghi789` -> `klyr_l...i789`: a prefix of 6 and the last 4 characters, the rest hidden;
    shorter values keep 2 characters, the shortest none. A masked value (holding `...`) masks to itself, so text
    masked twice reads the same."""
    if "..." in secret or secret == "***":
        return secret
    if len(secret) >= SHOWN_WHOLE_ENDS:
        return f"{secret[:6]}...{secret[-4:]}"
    return f"{secret[:2]}..." if len(secret) > 4 else "***"


def fingerprint(secret: str) -> str:
    """A stable name for a secret that does not reveal it (SHA-256, 16 hex digits): for keys a store must hold, such
    as a rate-limit counter per credential."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16] if secret else ""


def mask_optional(secret: str | None) -> str | None:
    return mask(secret) if secret else None


def header_secrets(name: str, value: str) -> list[str]:
    """The secrets of one header: its whole value, and the credential after an auth scheme (`Bearer x` -> `x`)."""
    if name.lower() not in SECRET_HEADERS or not value:
        return []
    return [value, *value.split()[1:]]


def request_secrets(
    query: Iterable[tuple[str, str]], body: Mapping[str, Any], headers: Mapping[str, str], depth: int = 0
) -> list[str]:
    """Every secret a request carries, a batch's items included (their `relative_url`, `body` and `headers`)."""
    found: list[str] = []
    params = [*query, *((name, value) for name, values in body.items() for value in as_list(values))]
    for name, value in params:
        if name in SECRET_PARAMS and isinstance(value, str):
            found.append(value)
        elif name == "batch" and depth < MAX_DEPTH:
            found += batch_secrets(value, depth + 1)
    for name, value in headers.items():
        found += header_secrets(name, value)
    return [secret for secret in dict.fromkeys(found) if len(secret) >= MIN_SECRET]


def batch_secrets(batch: Any, depth: int) -> list[str]:
    """The secrets of a Graph batch's items, given as sent (a JSON text or already decoded)."""
    if isinstance(batch, str):
        if len(batch) > MAX_BATCH_TEXT:
            return []
        try:
            batch = json.loads(batch)
        except (ValueError, RecursionError):
            return []
    found: list[str] = []
    for item in batch if isinstance(batch, list) else []:
        if not isinstance(item, Mapping):
            continue
        url = item.get("relative_url")
        query = parse_qsl(urlsplit(url).query, keep_blank_values=True) if isinstance(url, str) else []
        body = item.get("body")
        form = dict(parse_qsl(body, keep_blank_values=True)) if isinstance(body, str) else {}
        found += request_secrets(query, form, item_headers(item.get("headers")), depth)
    return found


def item_headers(headers: Any) -> dict[str, str]:
    """A batch item's headers in either spelling: `[{"name": ..., "value": ...}]` or `["Name: value"]`."""
    pairs: dict[str, str] = {}
    for header in headers if isinstance(headers, list) else []:
        if isinstance(header, Mapping) and isinstance(header.get("name"), str) and isinstance(header.get("value"), str):
            pairs[header["name"]] = header["value"]
        elif isinstance(header, str) and ":" in header:
            name, _, value = header.partition(":")
            pairs[name.strip()] = value.strip()
    return pairs


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class Masker:
    """Replaces known secrets (as they are, or URL-encoded) by their masked form in any text, then masks whatever
    still stands where a secret parameter or an auth scheme's credential stands (`IN_TEXT`)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        pairs: dict[str, str] = {}
        for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True):
            for variant in (secret, quote(secret, safe=""), quote_plus(secret)):
                pairs.setdefault(variant, mask(secret))
        self.pairs = pairs

    def __call__(self, text: str) -> str:
        for secret, masked in self.pairs.items():
            if secret in text:
                text = text.replace(secret, masked)
        return masked_in_text(text)


def masked_in_text(text: str) -> str:
    """`IN_TEXT.sub(masked_match, text)`, fast: a match starts where a secret's name or an auth scheme does, so the
    pattern is tried only there (found by substring search on the lower-cased text), never at every character of a
    large body. A text whose lower-cased form changes length (a few non-ASCII letters) takes the pattern whole."""
    lowered = text.lower()
    if len(lowered) != len(text):
        return IN_TEXT.sub(masked_match, text)
    starts = sorted(position for word in TEXT_HINTS for position in occurrences(lowered, word))
    parts: list[str] = []
    done = 0
    for start in starts:
        match = IN_TEXT.match(text, start) if start >= done else None
        if match is not None:
            parts += [text[done:start], masked_match(match)]
            done = match.end()
    return "".join(parts) + text[done:] if parts else text


def occurrences(text: str, word: str) -> list[int]:
    found = []
    position = text.find(word)
    while position >= 0:
        found.append(position)
        position = text.find(word, position + 1)
    return found


def masked_match(match: re.Match[str]) -> str:
    return match.group(1) + mask(match.group(2))


MASK_TEXT = Masker()


def mask_text(text: str) -> str:
    """Any text with every secret parameter's value and auth credential masked, known secrets or not."""
    return MASK_TEXT(text)


@functools.lru_cache(maxsize=256)
def mask_query(raw_query: str) -> str:
    """A query text with its secrets masked: tokens, proofs, and those inside a batch's items. Kept for the last
    queries seen: clients repeat theirs, and the journal masks each one on every request."""
    if not HINT.search(raw_query):  # most queries carry none: no parsing on the request's way
        return raw_query
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    return Masker(request_secrets(pairs, {}, {}))(raw_query)


def mask_url(url: str) -> str:
    """A URL as given, its scheme included (`rediss://` stays `rediss://`), with its password hidden (`***`: no one
    needs to tell passwords apart) and any secret parameter of its query masked: what a start-up line or an error
    may print of a `--state` URL."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}:***@{host}"
    query = "&".join(
        f"{name}={'***' if name.lower() == 'password' else mask(value) if name in SECRET_PARAMS else value}"
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    shown = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    if not netloc and url.startswith(f"{parts.scheme}://"):  # `unix:///path`: urlunsplit drops the empty authority
        return f"{parts.scheme}://{shown[len(parts.scheme) + 1 :]}"
    return shown
