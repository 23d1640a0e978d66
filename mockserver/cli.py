"""The `mockserver` command: `serve` runs the mock; `proxy` validates live traffic to a backend; `world` writes a
generated world file."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mockserver.errors import MockServerError
from mockserver.proxy import command as proxy_command
from mockserver.ratelimit import Policy
from mockserver.settings import Settings, parse_latency
from mockserver.version import VersionAction

if TYPE_CHECKING:
    from mockserver.controls.dashboard.pages import Page

ENV_PREFIX = "MOCK_"
# The pages the banner names, when the mock serves them (the full list is at /__mock/).
BANNER_PAGES = ("/__mock/ui/", "/ui/", "/__mock/", "/__mock/credentials", "/__mock/coverage", "/__mock/journal.har")


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def server_flags() -> argparse.ArgumentParser:
    """The flags of every command that runs a server (`serve`, `proxy`)."""
    flags = argparse.ArgumentParser(add_help=False)
    flags.add_argument("--host", default=env("HOST", "127.0.0.1"), help="bind address [MOCK_HOST] (127.0.0.1)")
    flags.add_argument("--port", type=int, default=int(env("PORT", "4010") or 4010), help="port [MOCK_PORT] (4010)")
    flags.add_argument(
        "--cors-origin",
        action="append",
        default=[o for o in (env("CORS_ORIGINS") or "").split(",") if o],
        help="narrow CORS on the KlayrAI API to this origin, repeatable [MOCK_CORS_ORIGINS, comma-separated] (any)",
    )
    flags.add_argument(
        "--log-level",
        default=env("LOG_LEVEL", "info"),
        choices=["debug", "info", "warning", "error"],
        help="[MOCK_LOG_LEVEL] (info)",
    )
    return flags


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description=__doc__)
    parser.add_argument("--version", action=VersionAction)
    commands = parser.add_subparsers(dest="command", required=True)
    server = server_flags()
    serve = commands.add_parser(
        "serve",
        parents=[server],
        help="serve openapi.yaml with real behaviour",
        description="Serve openapi.yaml with real behaviour. Every flag has an environment variable (in brackets).",
    )
    serve.add_argument("--seed", type=int, default=int(env("SEED", "42") or 42), help="world seed [MOCK_SEED] (42)")
    serve.add_argument(
        "--size", type=int, default=int(env("SIZE") or 0) or None, help="accounts in the large workspace [MOCK_SIZE]"
    )
    serve.add_argument("--world", type=Path, default=env("WORLD"), help="world file, JSON or YAML [MOCK_WORLD]")
    serve.add_argument("--scenarios", type=Path, default=env("SCENARIOS"), help="scenario file (YAML) [MOCK_SCENARIOS]")
    serve.add_argument(
        "--latency", default=env("LATENCY", "0"), help="added latency in ms, MS or MIN-MAX [MOCK_LATENCY] (0)"
    )
    serve.add_argument(
        "--rate-limit",
        default=env("RATE_LIMIT", Settings.rate_limit),
        help=f"default budget per credential, N/SECONDS or off [MOCK_RATE_LIMIT] ({Settings.rate_limit})",
    )
    serve.add_argument(
        "--validate-responses",
        action=argparse.BooleanOptionalAction,
        default=flag(env("VALIDATE_RESPONSES", "true") or "true"),
        help="check every response against the contract (off: 10-30%% faster) [MOCK_VALIDATE_RESPONSES] (on)",
    )
    serve.add_argument(
        "--journal-size", type=int, default=int(env("JOURNAL_SIZE", "1000") or 1000), help="[MOCK_JOURNAL_SIZE] (1000)"
    )
    serve.add_argument(
        "--workers", type=int, default=int(env("WORKERS", "1") or 1), help="server processes [MOCK_WORKERS] (1)"
    )
    serve.add_argument(
        "--server",
        default=env("SERVER", Settings.server),
        help=f"HTTP server, granian or uvicorn [MOCK_SERVER] ({Settings.server})",
    )
    serve.add_argument(
        "--state", default=env("STATE"), help="shared state, redis://host:port/db [MOCK_STATE] (in memory)"
    )
    serve.add_argument(
        "--admin-token", default=env("ADMIN_TOKEN"), help="admin API token, required off loopback [MOCK_ADMIN_TOKEN]"
    )
    proxy = commands.add_parser(
        "proxy",
        parents=[server],
        help="validate live traffic to a backend against the contract",
        description="Forward both APIs to a backend and report every exchange that breaks the contract.",
    )
    proxy_command.add_arguments(proxy)
    for name, (_, summary) in DELEGATED.items():
        commands.add_parser(name, help=f"{summary} (see `mockserver {name} --help`)", add_help=False)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    try:
        latency = parse_latency(args.latency)
        Policy.parse("default", args.rate_limit)
    except ValueError as exc:
        raise MockServerError(str(exc)) from None
    if args.workers < 1:
        raise MockServerError(f"--workers must be at least 1, got {args.workers}")
    state = args.state or None  # MOCK_STATE="" means in memory, like no flag
    if state is not None and not state.startswith(("redis://", "rediss://", "unix://")):
        # only the scheme is echoed: the rest may hold a password
        raise MockServerError(f"--state must be redis://host:port/db, got {state.partition('://')[0]}://...")
    if args.workers > 1 and state is None:
        raise MockServerError(
            f"--workers {args.workers} needs a shared state: the in-memory one is one process's "
            "(add --state redis://host:port/db)"
        )
    return Settings(
        host=args.host,
        port=args.port,
        seed=args.seed,
        size=args.size,
        world=args.world,
        scenarios=args.scenarios,
        latency_ms=latency,
        rate_limit=args.rate_limit,
        cors_origins=tuple(args.cors_origin),
        validate_responses=args.validate_responses,
        log_level=args.log_level,
        journal_size=args.journal_size,
        server=args.server,
        workers=args.workers,
        state=state,
        admin_token=args.admin_token,
    )


def reachable(host: str) -> str:
    """The host a pasted URL should name: a wildcard bind address (all interfaces) is reached on loopback."""
    if host in ("0.0.0.0", "::", "[::]", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def shown(secret: str) -> str:
    """The default world's credentials are published (world/credentials.py): whole, to paste; any other is masked."""
    from mockserver.journal import mask
    from mockserver.world.credentials import API_KEYS, GRAPH_TOKENS

    return secret if secret in {*API_KEYS.values(), *GRAPH_TOKENS.values()} else mask(secret) or ""


def try_lines(base: str, credentials: dict) -> list[str]:
    """Ready-to-paste curl lines with the first usable key and token, and an ad account a POST accepts."""
    lines = []
    key = next((k["x-api-key"] for k in credentials["klayrai"] if not k["revoked"] and k["plan"] == "agency"), None)
    if key is not None and shown(key) == key:
        lines.append(f"  Try: curl -s {base}/v1/accounts -H 'x-api-key: {key}'")
    token = next((t for t in credentials["graph"] if not t["expired"] and t["can_manage"]), None)
    post = next((p for p in credentials["graph_post"] if token and p["business_id"] in token["business_ids"]), None)
    if token is not None and post is not None and shown(token["access_token"]) == token["access_token"]:
        url = f"{base}{post['path']}?access_token={token['access_token']}"
        lines.append(f"       curl -s '{url}&fields=name,account_status'")
        if post["accepted"]:
            lines.append(f"       curl -s -X POST '{url}' -d adaccount_id={post['accepted'][0]}")
    return lines


def banner(settings: Settings, credentials: dict, state: str, pages: Sequence[Page]) -> str:
    from mockserver.controls.admin_guard import admin_notice, is_loopback

    base = f"http://{reachable(settings.host)}:{settings.port}"
    if not is_loopback(settings.host) and not settings.admin_token:  # the admin API is off: so are its pages
        pages = [page for page in pages if not page.path.startswith("/__mock/")]
    lines = [
        f"Mock server on {base}",
        *(f"  {page.title + ':':<13}{base}{page.path}" for page in pages if page.path in BANNER_PAGES),
        admin_notice(settings.host, settings.admin_token),
        f"  {state}",
        f"  Responses are {'validated' if settings.validate_responses else 'NOT validated'} against the contract.",
        "  KlayrAI keys (x-api-key):",
        *(
            f"    {shown(k['x-api-key']):<36} {k['plan']:<8} "
            + ("revoked" if k["revoked"] else str(k["accounts"]) + " accounts")
            for k in credentials["klayrai"]
        ),
        "  Graph tokens (access_token):",
        *(
            f"    {shown(t['access_token']):<36} {t['name']:<10} businesses {','.join(t['business_ids'])}"
            + (" expired" if t["expired"] else "")
            + ("" if t["can_manage"] else " no-permission")
            for t in credentials["graph"]
        ),
        *try_lines(base, credentials),
    ]
    return "\n".join(lines)


def serve(settings: Settings) -> int:
    from mockserver.http import server

    server.quiet_imports()
    from mockserver.controls.admin import credentials
    from mockserver.http.app import create_app

    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        server.check(settings)
        # Built here so that a bad world or scenario file exits 2 before any worker starts (mockserver.http.server).
        app = create_app(settings)
    except MockServerError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    text = banner(settings, credentials(app.mock), app.mock.state.describe(), app.pages)
    print(text, file=sys.stderr, flush=True)
    server.run(settings, app)
    return 0


def world_command(argv: list[str]) -> int:
    from mockserver.world.writer import main as world_main

    return world_main(argv)


def examples_command(argv: list[str]) -> int:
    if argv[:1] == ["--validate"]:
        from mockserver.proxy.record import main as validate_main

        return validate_main(argv[1:])
    from mockserver.examples.cli import main as examples_main

    return examples_main(argv)


DELEGATED = {
    "world": (world_command, "write a generated world file (JSON or YAML)"),
    "examples": (examples_command, "write example payloads for every operation and documented response"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in DELEGATED:
        return DELEGATED[argv[0]][0](argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "proxy":
        return proxy_command.run(args)
    try:
        settings = settings_from(args)
    except MockServerError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    return serve(settings)


if __name__ == "__main__":
    raise SystemExit(main())
