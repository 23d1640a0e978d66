"""The `mockserver` command: `serve` runs the mock; `proxy` validates live traffic to a backend; `world` writes a
generated world file."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from mockserver.errors import MockServerError
from mockserver.proxy import command as proxy_command
from mockserver.settings import Settings, parse_latency
from mockserver.state.limits import Policy
from mockserver.version import VersionAction

ENV_PREFIX = "MOCK_"


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def server_flags(port_env: str, port: int) -> argparse.ArgumentParser:
    """The flags of every command that runs a server (`serve`, `proxy`), made for each: argparse's `parents` share
    their actions, so a default set on one command would be every command's."""
    flags = argparse.ArgumentParser(add_help=False)
    flags.add_argument("--host", default=env("HOST", "127.0.0.1"), help="bind address [MOCK_HOST] (127.0.0.1)")
    default = int(env(port_env) or port)
    flags.add_argument("--port", type=int, default=default, help=f"port [MOCK_{port_env}] ({port})")
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
    flags.add_argument(
        "--admin-token", default=env("ADMIN_TOKEN"), help="admin API token, required off loopback [MOCK_ADMIN_TOKEN]"
    )
    flags.add_argument(
        "--admin-host",
        action="append",
        default=[h for h in (env("ADMIN_HOSTS") or "").split(",") if h],
        help="a Host name the admin API accepts besides localhost, 127.0.0.1 and [::1], repeatable "
        "[MOCK_ADMIN_HOSTS, comma-separated] (none)",
    )
    return flags


# (flag, Settings field, type, what it bounds): each with its environment variable MOCK_<FLAG IN CAPITALS>.
LIMIT_FLAGS: list[tuple[str, str, type, str]] = [
    ("--max-url-bytes", "max_url_bytes", int, "longest URL, path and query"),
    ("--max-query-bytes", "max_query_bytes", int, "longest query string"),
    ("--max-body-bytes", "max_body_bytes", int, "largest request body (and client JSON text)"),
    ("--max-json-depth", "max_json_depth", int, "deepest nesting of client JSON"),
    ("--body-timeout", "body_timeout", float, "seconds for a request body to arrive"),
    ("--cache-bytes", "cache_bytes", int, "bytes kept per cache of answers, routes and parsed queries"),
]


def add_limit_flags(parser: argparse.ArgumentParser) -> None:
    """The limits of `mockserver.http.limits` (docs/security.md); a request over one gets the API's own 400."""
    for name, field, kind, what in LIMIT_FLAGS:
        variable = name.removeprefix("--").replace("-", "_").upper()
        default = getattr(Settings, field)
        parser.add_argument(
            name, type=kind, default=kind(env(variable, str(default))), help=f"{what} [MOCK_{variable}] ({default})"
        )


def limit_settings(args: argparse.Namespace) -> dict[str, Any]:
    values = {field: getattr(args, field) for _, field, _, _ in LIMIT_FLAGS}
    for name, field, _, _ in LIMIT_FLAGS:
        if values[field] <= 0:
            raise MockServerError(f"{name} must be positive, got {values[field]}")
    return values


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description=__doc__)
    parser.add_argument("--version", action=VersionAction)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        parents=[server_flags("PORT", 4010)],
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
        "--journal-size",
        type=int,
        default=int(env("JOURNAL_SIZE", "1000") or 1000),
        help="exchanges the journal keeps, 0 for none [MOCK_JOURNAL_SIZE] (1000)",
    )
    serve.add_argument(
        "--journal-bytes",
        type=int,
        default=int(env("JOURNAL_BYTES", str(Settings.journal_bytes)) or Settings.journal_bytes),
        help=f"what the journal's exchanges hold together [MOCK_JOURNAL_BYTES] ({Settings.journal_bytes})",
    )
    serve.add_argument(
        "--journal-body-bytes",
        type=int,
        default=int(env("JOURNAL_BODY_BYTES", str(Settings.journal_body_bytes)) or Settings.journal_body_bytes),
        help=f"each body the journal keeps, cut beyond [MOCK_JOURNAL_BODY_BYTES] ({Settings.journal_body_bytes})",
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
        "--state-timeout",
        type=float,
        default=env("STATE_TIMEOUT", str(Settings.state_timeout)),
        help="seconds a request waits for the shared state, then gets its API's 500 [MOCK_STATE_TIMEOUT] "
        f"({Settings.state_timeout:g})",
    )
    add_limit_flags(serve)
    proxy = commands.add_parser(
        "proxy",
        parents=[server_flags("PROXY_PORT", 4020)],
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
    if min(args.journal_size, args.journal_bytes, args.journal_body_bytes) < 0:
        raise MockServerError("--journal-size, --journal-bytes and --journal-body-bytes cannot be negative")
    state = args.state or None  # MOCK_STATE="" means in memory, like no flag
    if state is not None and not state.startswith(("redis://", "rediss://", "unix://")):
        # only the scheme is echoed: the rest may hold a password
        raise MockServerError(f"--state must be redis://host:port/db, got {state.partition('://')[0]}://...")
    if not 0 < args.state_timeout <= 60:
        raise MockServerError(f"--state-timeout must be more than 0 and at most 60 seconds, got {args.state_timeout:g}")
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
        journal_bytes=args.journal_bytes,
        journal_body_bytes=args.journal_body_bytes,
        server=args.server,
        workers=args.workers,
        state=state,
        state_timeout=args.state_timeout,
        admin_token=args.admin_token,
        admin_hosts=tuple(args.admin_host),
        **limit_settings(args),
    )


def serve(settings: Settings) -> int:
    from mockserver.http import server

    server.quiet_imports()
    from mockserver.banner import banner
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
