"""The `mockserver` command: `serve` runs the mock; `world` writes a generated world file."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

from mockserver.errors import MockServerError
from mockserver.ratelimit import Policy
from mockserver.settings import Settings, parse_latency

ENV_PREFIX = "MOCK_"


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve openapi.yaml with real behaviour",
        description="Serve openapi.yaml with real behaviour. Every flag has an environment variable (in brackets).",
    )
    serve.add_argument("--host", default=env("HOST", "127.0.0.1"), help="bind address [MOCK_HOST] (127.0.0.1)")
    serve.add_argument("--port", type=int, default=int(env("PORT", "4010") or 4010), help="port [MOCK_PORT] (4010)")
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
        "--cors-origin",
        action="append",
        default=[o for o in (env("CORS_ORIGINS") or "").split(",") if o],
        help="narrow CORS on the KlayrAI API to this origin, repeatable [MOCK_CORS_ORIGINS, comma-separated] (any)",
    )
    serve.add_argument(
        "--validate-responses",
        action=argparse.BooleanOptionalAction,
        default=flag(env("VALIDATE_RESPONSES", "true") or "true"),
        help="check every response against the contract (off: 10-30%% faster) [MOCK_VALIDATE_RESPONSES] (on)",
    )
    serve.add_argument(
        "--log-level",
        default=env("LOG_LEVEL", "info"),
        choices=["debug", "info", "warning", "error"],
        help="[MOCK_LOG_LEVEL] (info)",
    )
    serve.add_argument(
        "--journal-size", type=int, default=int(env("JOURNAL_SIZE", "1000") or 1000), help="[MOCK_JOURNAL_SIZE] (1000)"
    )
    serve.add_argument(
        "--workers", type=int, default=int(env("WORKERS", "1") or 1), help="server processes [MOCK_WORKERS] (1)"
    )
    serve.add_argument("--server", default=env("SERVER", Settings.server), help="[MOCK_SERVER] (uvicorn)")
    serve.add_argument(
        "--state", default=env("STATE"), help="shared state, redis://host:port/db [MOCK_STATE] (in memory)"
    )
    serve.add_argument(
        "--admin-token", default=env("ADMIN_TOKEN"), help="admin API token, required off loopback [MOCK_ADMIN_TOKEN]"
    )
    for name, (_, summary) in DELEGATED.items():
        commands.add_parser(name, help=f"{summary} (see `mockserver {name} --help`)", add_help=False)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    try:
        latency = parse_latency(args.latency)
        Policy.parse("default", args.rate_limit)
    except ValueError as exc:
        raise MockServerError(str(exc)) from None
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
        state=args.state,
        admin_token=args.admin_token,
    )


def banner(settings: Settings, credentials: dict) -> str:
    base = f"http://{settings.host}:{settings.port}"
    lines = [
        f"Mock server on {base}",
        f"  Swagger UI:  {base}/ui/",
        f"  Admin API:   {base}/__mock/  (credentials: {base}/__mock/credentials)",
        f"  Responses are {'validated' if settings.validate_responses else 'NOT validated'} against the contract.",
        "  KlayrAI keys (x-api-key):",
        *(
            f"    {k['x-api-key']:<36} {k['plan']:<8} {'revoked' if k['revoked'] else str(k['accounts']) + ' accounts'}"
            for k in credentials["klayrai"]
        ),
        "  Graph tokens (access_token):",
        *(
            f"    {t['access_token']:<36} {t['name']:<10} businesses {','.join(t['business_ids'])}"
            + (" expired" if t["expired"] else "")
            + ("" if t["can_manage"] else " no-permission")
            for t in credentials["graph"]
        ),
        f"  Try: curl -s {base}/v1/accounts -H 'x-api-key: klyr_live_abc123def456ghi789'",
    ]
    return "\n".join(lines)


def serve(settings: Settings) -> int:
    import uvicorn

    # connexion 3.3 imports starlette.testclient, which warns on import; a user of the server has no use for it.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

    from mockserver.admin import credentials
    from mockserver.app import create_app

    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        app = create_app(settings)
    except MockServerError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    print(banner(settings, credentials(app.mock)), file=sys.stderr, flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", lifespan="on")
    return 0


def world_command(argv: list[str]) -> int:
    from mockserver.world.generator import main as world_main

    return world_main(argv)


def examples_command(argv: list[str]) -> int:
    from mockserver.examples import main as examples_main

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
    try:
        settings = settings_from(args)
    except MockServerError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    return serve(settings)


if __name__ == "__main__":
    raise SystemExit(main())
