"""Graph probes of the token states the contract describes (expired, without the edge's permission, signed with
`appsecret_proof`; each needs the credential of its state, or is skipped), and of the path (version, unknown edge)."""

from __future__ import annotations

import hashlib
import hmac

from klayrai_conformance import graph_rules as rules
from klayrai_conformance.probes import ProbeContext, probe
from klayrai_conformance.probes_graph import apply, expect_error, expect_list, get

WRONG_PROOF = "0" * 64
OTHER_VERSION = "v19.0"
MALFORMED_VERSION = "x19"


def expect_oauth_error(ctx: ProbeContext, status: int, code: int, subcode: int | None, **params: object) -> None:
    exchange = get(ctx, limit=1, **params)
    error = expect_error(ctx, exchange, status, code, subcode)
    ctx.expect(error.get("type") == "OAuthException", f"type {error.get('type')!r}; expected OAuthException", exchange)
    ctx.expect(rules.listing(exchange) is None, "an error answer carries data", exchange)


@probe("graph.expired_token", "meta", needs=("graph_token_expired",))
def expired_token(ctx: ProbeContext) -> None:
    expect_oauth_error(ctx, 400, 190, 463, token=ctx.credentials.graph_token_expired)


@probe("graph.permission", "meta", needs=("graph_token_no_permission",))
def permission(ctx: ProbeContext) -> None:
    expect_oauth_error(ctx, 403, 200, None, token=ctx.credentials.graph_token_no_permission)


def proof(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


@probe("graph.appsecret_proof", "meta", needs=("graph_app_secret",))
def appsecret_proof(ctx: ProbeContext) -> None:
    signed = get(ctx, limit=1, appsecret_proof=proof(ctx.credentials.graph_app_secret, ctx.credentials.graph_token))
    if ctx.expect_status(signed, 200, "a correct appsecret_proof"):
        expect_list(signed)
    expect_oauth_error(ctx, 400, 100, None, appsecret_proof=WRONG_PROOF)


@probe("graph.version_echo", "meta")
def version_echo(ctx: ProbeContext) -> None:
    business = ctx.credentials.graph_business
    exchanges = [
        get(ctx, limit=1),
        get(ctx, limit=1, url=ctx.url("meta", f"/{OTHER_VERSION}/{business}/client_ad_accounts")),
    ]
    apply(ctx, rules.version_echo, exchanges)
    malformed = get(ctx, limit=1, url=ctx.url("meta", f"/{MALFORMED_VERSION}/{business}/client_ad_accounts"))
    expect_error(ctx, malformed, 400, 2500)


@probe("graph.unknown_path", "meta")
def unknown_path(ctx: ProbeContext) -> None:
    business = ctx.credentials.graph_business
    for name in ("client_ad_acounts", "client_ad_accounts/extra"):
        url = ctx.url("meta", f"/{ctx.target.graph_version}/{business}/{name}")
        error = expect_error(ctx, get(ctx, limit=1, url=url), 400, 2500)
        ctx.expect(error.get("type") in (None, "OAuthException"), f"code 2500 with type {error.get('type')!r}")
