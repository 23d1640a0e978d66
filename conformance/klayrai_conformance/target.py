"""What the kit tests and how: the target's URLs and credentials, the run's budget, and the decisions taken from them.

One frozen `Target` per run, built by the CLI (or the pytest plugin) from flags and environment variables. Decisions
that matter for safety live here as small pure functions so that they are tested on their own: whether writes are
allowed (never on a non-loopback host unless asked for), and which credentials a loopback mock gets by default.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field, fields, replace
from urllib.parse import urlsplit

from klayrai_conformance.bounded import DEFAULT_MAX_BODY_BYTES, AnswerCut, Bounds, read_httpx

APIS = ("klayrai", "meta")
TAG_API = {"KlayrAI Accounts": "klayrai", "Meta Graph client_ad_accounts": "meta"}  # openapi.yaml tag -> API
PROBE_PHASE = "probes"
SCHEMATHESIS_PHASES = ("examples", "coverage", "fuzzing", "stateful")
PHASES = (PROBE_PHASE, *SCHEMATHESIS_PHASES)
MOCK_CREDENTIALS_PATH = "/__mock/credentials"  # the mock's admin API; not part of openapi.yaml
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


@dataclass(frozen=True)
class Profile:
    """A budget preset; explicit flags override each field."""

    name: str
    max_examples: int
    workers: int
    seed: int | None
    max_time: int | None
    budget: float  # seconds of wall time for the whole run, whatever the target does
    request_timeout: float


PROFILES = {
    # Fixed seed: a CI run is reproducible, and a red build is the same red build on a rerun. 45 s of budget plus
    # start-up keeps a CI step under a minute against any target (hanging, dropping connections, slow).
    "ci": Profile("ci", max_examples=25, workers=2, seed=20260301, max_time=None, budget=45.0, request_timeout=5.0),
    # Random seed (printed in the summary) and a larger budget: explores more, for nightly runs.
    "deep": Profile("deep", max_examples=200, workers=2, seed=None, max_time=None, budget=900.0, request_timeout=10.0),
}


@dataclass(frozen=True)
class Credentials:
    """Everything secret or target-specific the rules need. Optional fields unlock rules; missing ones skip them."""

    klayrai_key: str | None = None
    klayrai_key_lower_plan: str | None = None
    klayrai_key_other: str | None = None
    graph_token: str | None = None
    graph_business: str | None = None
    graph_other_business: str | None = None
    graph_adaccount_new: str | None = None
    graph_adaccount_batch: str | None = None
    graph_adaccount_pending: str | None = None
    graph_adaccount_existing: str | None = None
    graph_adaccount_owned: str | None = None
    graph_adaccount_ownership_pending: str | None = None
    klayrai_key_revoked: str | None = None
    graph_token_expired: str | None = None
    graph_token_no_permission: str | None = None
    graph_app_secret: str | None = None

    def secrets(self) -> list[str]:
        """The values a report must never print in full."""
        return [value for value in (getattr(self, name) for name in SECRET_FIELDS) if value]


SECRET_FIELDS = (
    "klayrai_key",
    "klayrai_key_lower_plan",
    "klayrai_key_other",
    "klayrai_key_revoked",
    "graph_token",
    "graph_token_expired",
    "graph_token_no_permission",
    "graph_app_secret",
)


# Flag and environment variable of each credential, for `--help` and for "skipped: needs ..." lines.
CREDENTIAL_SOURCES = {
    "klayrai_key": ("--klayrai-key", "KLAYRAI_API_KEY"),
    "klayrai_key_lower_plan": ("--klayrai-key-lower-plan", "KLAYRAI_API_KEY_LOWER_PLAN"),
    "klayrai_key_other": ("--klayrai-key-other", "KLAYRAI_API_KEY_OTHER"),
    "graph_token": ("--graph-token", "GRAPH_ACCESS_TOKEN"),
    "graph_business": ("--graph-business", "GRAPH_BUSINESS_ID"),
    "graph_other_business": ("--graph-other-business", "GRAPH_OTHER_BUSINESS_ID"),
    "graph_adaccount_new": ("--graph-adaccount-new", "GRAPH_ADACCOUNT_NEW"),
    "graph_adaccount_batch": ("--graph-adaccount-batch", "GRAPH_ADACCOUNT_BATCH"),
    "graph_adaccount_pending": ("--graph-adaccount-pending", "GRAPH_ADACCOUNT_PENDING"),
    "graph_adaccount_existing": ("--graph-adaccount-existing", "GRAPH_ADACCOUNT_EXISTING"),
    "graph_adaccount_owned": ("--graph-adaccount-owned", "GRAPH_ADACCOUNT_OWNED"),
    "graph_adaccount_ownership_pending": ("--graph-adaccount-ownership-pending", "GRAPH_ADACCOUNT_OWNERSHIP_PENDING"),
    "klayrai_key_revoked": ("--klayrai-key-revoked", "KLAYRAI_API_KEY_REVOKED"),
    "graph_token_expired": ("--graph-expired-token", "GRAPH_EXPIRED_TOKEN"),
    "graph_token_no_permission": ("--graph-token-no-permission", "GRAPH_TOKEN_NO_PERMISSION"),
    "graph_app_secret": ("--graph-app-secret", "GRAPH_APP_SECRET"),
}


def needs_text(name: str) -> str:
    flag, env = CREDENTIAL_SOURCES[name]
    return f"{flag} (or {env})"


def mock_defaults(graph_url: str | None = None) -> Credentials:
    """The default world's credentials: only ever used for a loopback target. The app secret depends on the world's
    seed, so it is asked of the mock's admin API at `graph_url` (None when that is not a mock)."""
    from mockserver.world.credentials import (
        AGENCY_BUSINESS_ID,
        API_KEYS,
        BATCH_POST_ACCOUNT,
        GRAPH_TOKENS,
        OTHER_AGENCY_BUSINESS_ID,
        POST_OUTCOMES,
    )

    return Credentials(
        klayrai_key=API_KEYS["agency"],
        klayrai_key_lower_plan=API_KEYS["starter"],
        klayrai_key_other=API_KEYS["other"],
        klayrai_key_revoked=API_KEYS["revoked"],
        graph_token=GRAPH_TOKENS["agency"],
        graph_token_expired=GRAPH_TOKENS["expired"],
        graph_token_no_permission=GRAPH_TOKENS["no_permission"],
        graph_app_secret=mock_app_secret(graph_url) if graph_url else None,
        graph_business=AGENCY_BUSINESS_ID,
        graph_other_business=OTHER_AGENCY_BUSINESS_ID,
        graph_adaccount_new=POST_OUTCOMES["confirmed"],
        graph_adaccount_batch=BATCH_POST_ACCOUNT,
        graph_adaccount_pending=POST_OUTCOMES["pending"],
        graph_adaccount_existing=POST_OUTCOMES["graph_3989"],
        graph_adaccount_owned=POST_OUTCOMES["graph_3946"],
        graph_adaccount_ownership_pending=POST_OUTCOMES["graph_3945"],
    )


def mock_app_secret(graph_url: str) -> str | None:
    """The app secret of a loopback mock's world, from its admin API (`/__mock/credentials`); None otherwise."""
    import json

    import httpx

    bounds = Bounds(deadline=2.0, max_body_bytes=64 * 1024)  # a loopback admin answer: small and immediate
    try:
        with httpx.stream("GET", graph_url.rstrip("/") + MOCK_CREDENTIALS_PATH, timeout=bounds.deadline) as response:
            body = read_httpx(response, bounds, time.monotonic() + bounds.deadline)
        secret = json.loads(body).get("app_secret") if response.status_code == 200 else None
    except (httpx.HTTPError, AnswerCut, ValueError, AttributeError):
        return None
    return secret if isinstance(secret, str) and secret else None


def with_mock_defaults(given: Credentials, klayrai_url: str, graph_url: str) -> tuple[Credentials, set[str]]:
    """`given`, completed with the mock world's credentials for each API whose URL is loopback; and what was filled."""
    filled = {
        f.name
        for f in fields(Credentials)
        if not getattr(given, f.name) and is_loopback(klayrai_url if f.name.startswith("klayrai") else graph_url)
    }
    defaults = mock_defaults(graph_url if "graph_app_secret" in filled else None)
    filled = {name for name in filled if getattr(defaults, name)}
    return replace(given, **{name: getattr(defaults, name) for name in filled}), filled


def is_loopback(url: str) -> bool:
    """Whether the URL's host is this machine (127.0.0.0/8, ::1 or a localhost name); no DNS lookup."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def writes_allowed(urls: list[str], allow_writes: bool | None) -> bool:
    """POSTs change the target's data: allowed when asked for, else only when every target URL is loopback."""
    if allow_writes is not None:
        return allow_writes
    return all(is_loopback(url) for url in urls)


@dataclass(frozen=True)
class Target:
    """One run of the kit: where, what, with which credentials and within which budget."""

    klayrai_url: str
    graph_url: str
    apis: tuple[str, ...] = APIS
    credentials: Credentials = field(default_factory=Credentials)
    allow_writes: bool | None = None  # None: decided by `writes_allowed` (loopback only)
    graph_version: str = "v25.0"
    profile: str = "ci"
    max_examples: int = 25
    seed: int | None = None
    workers: int = 2
    max_time: int | None = None
    max_rps: float | None = None
    request_timeout: float = 5.0
    budget: float = 45.0
    phases: tuple[str, ...] = PHASES
    rule_patterns: tuple[str, ...] = ()
    used_mock_defaults: bool = False
    exchange_deadline: float | None = None  # seconds for a whole exchange, body included; None: `request_timeout`
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    required_rules: tuple[str, ...] = ()  # globs of rules that must run (pass or fail), else the run fails
    fail_on_skip: bool = False  # any rule skipped fails the run

    @property
    def deadline(self) -> float:
        return self.exchange_deadline or self.request_timeout

    @property
    def bounds(self) -> Bounds:
        """What one exchange may take: its deadline and the body cap."""
        return Bounds(self.deadline, self.max_body_bytes)

    def url_for(self, api: str) -> str:
        return self.klayrai_url if api == "klayrai" else self.graph_url

    @property
    def urls(self) -> list[str]:
        return list(dict.fromkeys(self.url_for(api) for api in self.apis))

    @property
    def bases(self) -> list[str]:
        """Both APIs' base URLs, whichever are tested: a request is routed by its path below one of them."""
        return [url for url in dict.fromkeys((self.klayrai_url, self.graph_url)) if url]

    @property
    def secrets(self) -> list[str]:
        return self.credentials.secrets()
