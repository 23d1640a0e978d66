"""`conformance run --base-url URL ...`: the kit's command line.

Exit codes: 0 the target conforms; 1 it violates at least one rule, or coverage is below --coverage-min; 2 usage
error or target unreachable (one line on stderr); 3 no violation found but the kit could not check everything
(errors of the kit, listed apart).
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from klayrai_conformance.bounded import DEFAULT_MAX_BODY_BYTES
from klayrai_conformance.coverage_files import write_coverage
from klayrai_conformance.har_cli import add_check_parser, add_replay_parser, check_main, replay_main
from klayrai_conformance.listing import list_rules, list_statements
from klayrai_conformance.report import EXIT_USAGE, summary, write_junit
from klayrai_conformance.target import (
    APIS,
    CREDENTIAL_SOURCES,
    PHASES,
    PROFILES,
    Credentials,
    Target,
    is_loopback,
    with_mock_defaults,
)
from mockserver.version import VersionAction

DEFAULT_REMOTE_RPS = 10.0
REQUIRED = {"klayrai": ("klayrai_key",), "meta": ("graph_token", "graph_business")}
CREDENTIAL_HELP = {
    "klayrai_key": "KlayrAI API key of an Agency-plan workspace (ideally with more than 100 accounts)",
    "klayrai_key_lower_plan": "a valid key of a workspace below the Agency plan (unlocks klayrai.plan)",
    "klayrai_key_other": "a key of another workspace (unlocks klayrai.tenant_isolation)",
    "graph_token": "Graph access token that can manage the business' client ad accounts",
    "graph_business": "the agency business ID whose client_ad_accounts edge is tested",
    "graph_other_business": "a business the token cannot see (unlocks graph.tenant_isolation)",
    "graph_adaccount_new": "an ad account a POST can add, not yet a client of the business (graph.create_then_list)",
    "graph_adaccount_batch": "another such account, one a POST adds at once (graph.batch.write_then_read)",
    "graph_adaccount_pending": "an ad account whose owner must approve (optional, PENDING path of create_then_list)",
    "graph_adaccount_existing": "an ad account already a client of the business (graph.duplicate_create)",
    "graph_adaccount_owned": "an ad account the business itself owns (graph.create_asset_conflict: 3946)",
    "graph_adaccount_ownership_pending": "an ad account with a pending ownership request (3945)",
    "klayrai_key_revoked": "a revoked KlayrAI key (unlocks klayrai.auth.revoked_key)",
    "graph_token_expired": "an expired Graph token of the same app (unlocks graph.expired_token)",
    "graph_token_no_permission": "a token that sees the business without the edge's permission (graph.permission)",
    "graph_app_secret": "the app secret, to sign appsecret_proof (unlocks graph.appsecret_proof)",
}


class UsageError(Exception):
    pass


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def percentage(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100, got {text}")
    return value


def phase_list(text: str) -> tuple[str, ...]:
    phases = tuple(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    unknown = [p for p in phases if p not in PHASES]
    if unknown or not phases:
        raise argparse.ArgumentTypeError(f"unknown phase {unknown or text!r}; choose from {','.join(PHASES)}")
    return phases


def glob_list(text: str) -> list[str]:
    return [glob.strip() for glob in text.split(",") if glob.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conformance",
        description="Conformance kit for openapi.yaml: KlayrAI GET /v1/accounts and the Graph client_ad_accounts edge.",
    )
    parser.add_argument("--version", action=VersionAction)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="test a running implementation",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__,
        epilog=(
            "Credentials are never printed in full (klyr_l...i789). A loopback target (127.0.0.1, localhost) gets\n"
            "the default mock world's credentials for any that are not given; any other target must pass its own.\n"
            "Writes (POST) are on for loopback targets and off for any other unless --allow-writes is given."
        ),
    )
    add_run_arguments(run)
    listing = commands.add_parser("rules", help="list the rule ids the kit reports, with what each checks")
    listing.add_argument("--api", choices=[*APIS, "all"], default="all")
    listing.add_argument(
        "--statements", action="store_true", help="list every statement of the contract with the rules that check it"
    )
    add_check_parser(commands)
    add_replay_parser(commands)
    return parser


def add_run_arguments(run: argparse.ArgumentParser) -> None:
    where = run.add_argument_group("target")
    where.add_argument("--base-url", help="base URL of both APIs (e.g. http://127.0.0.1:4010)")
    where.add_argument("--klayrai-url", help="base URL of the KlayrAI API, when it differs from --base-url")
    where.add_argument("--graph-url", help="base URL of the Graph API, when it differs from --base-url")
    where.add_argument("--api", choices=["klayrai", "meta", "all"], default="all", help="which API to test")
    where.add_argument("--graph-version", default="v25.0", help="Graph version the probes call (default v25.0)")
    group = run.add_argument_group("credentials (flag, else the environment variable named)")
    for name, (flag, env) in CREDENTIAL_SOURCES.items():
        group.add_argument(flag, dest=name, metavar="VALUE", help=f"{CREDENTIAL_HELP[name]} [{env}]")
    group.add_argument("--no-mock-defaults", action="store_true", help="never fill in the mock world's credentials")
    budget = run.add_argument_group("budget and selection")
    budget.add_argument("--profile", choices=sorted(PROFILES), default="ci", help="ci (default, fast) or deep")
    budget.add_argument("--max-examples", type=positive_int, help="examples per operation and phase (ci: 25)")
    budget.add_argument("--seed", type=int, help="seed of data generation (ci: fixed; deep: random, printed)")
    budget.add_argument("--workers", type=positive_int, help="schemathesis workers (default 2)")
    budget.add_argument("--max-time", type=positive_int, help="stop schemathesis after SECONDS")
    budget.add_argument(
        "--max-rps",
        type=positive_float,
        help=f"request rate cap (default: none on loopback, {DEFAULT_REMOTE_RPS:g} otherwise)",
    )
    budget.add_argument("--timeout", type=positive_float, help="per-request timeout in seconds (ci: 5, deep: 10)")
    budget.add_argument(
        "--budget",
        type=positive_float,
        metavar="SECONDS",
        help="wall time of the whole run, whatever the target does (ci: 45, deep: 900); a run cut short says so",
    )
    budget.add_argument(
        "--deadline",
        type=positive_float,
        metavar="SECONDS",
        help="limit of one whole exchange, body included (default: --timeout); past it is transport.deadline",
    )
    budget.add_argument(
        "--max-body-bytes",
        type=positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="BYTES",
        help=f"most the kit reads of one answer (default {DEFAULT_MAX_BODY_BYTES}); more is transport.body_too_large",
    )
    budget.add_argument(
        "--phases", type=phase_list, default=PHASES, help=f"comma list of {','.join(PHASES)} (default all)"
    )
    budget.add_argument("--rules", action="append", default=[], metavar="GLOB", help="only these rule ids (repeatable)")
    gate = run.add_argument_group("what must be judged (else exit 1)")
    gate.add_argument("--fail-on-skip", action="store_true", help="fail the run when any rule is skipped")
    gate.add_argument(
        "--require-rules",
        type=glob_list,
        action="append",
        default=[],
        metavar="GLOB[,GLOB...]",
        help="rules that must run, pass or fail (repeatable); each one skipped or not run is named",
    )
    writes = run.add_mutually_exclusive_group()
    writes.add_argument("--allow-writes", dest="allow_writes", action="store_true", default=None, help="send POSTs")
    writes.add_argument("--read-only", dest="allow_writes", action="store_false", help="never send POSTs")
    output = run.add_argument_group("output")
    output.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML (one test case per rule)")
    output.add_argument("-v", "--verbose", action="store_true", help="list the rules that passed too")
    output.add_argument("--coverage", type=Path, metavar="FILE", help="write the coverage report as JSON")
    output.add_argument("--coverage-html", type=Path, metavar="FILE", help="write the coverage report as HTML")
    output.add_argument(
        "--coverage-min",
        type=percentage,
        metavar="PCT",
        help="exit 1 when fewer than PCT%% of the documented responses were seen, naming those never seen",
    )


def credentials_from(args: argparse.Namespace, environ: dict[str, str]) -> Credentials:
    values = {}
    for name, (_, env) in CREDENTIAL_SOURCES.items():
        values[name] = getattr(args, name, None) or environ.get(env) or None
    return Credentials(**values)


def target_from(args: argparse.Namespace, environ: dict[str, str]) -> Target:
    base = args.base_url or environ.get("CONFORMANCE_BASE_URL")
    klayrai_url, graph_url = args.klayrai_url or base, args.graph_url or base
    apis = APIS if args.api == "all" else (args.api,)
    for api, url in (("klayrai", klayrai_url), ("meta", graph_url)):
        if api in apis and not url:
            raise UsageError("--base-url is required (or --klayrai-url / --graph-url, or CONFORMANCE_BASE_URL)")
        if api in apis and not url.startswith(("http://", "https://")):  # type: ignore[union-attr]
            raise UsageError(f"the base URL must start with http:// or https://, got {url!r}")
    klayrai_url, graph_url = (klayrai_url or graph_url or "").rstrip("/"), (graph_url or klayrai_url or "").rstrip("/")
    given = credentials_from(args, environ)
    credentials, used_defaults = given, False
    if not args.no_mock_defaults:
        credentials, filled = with_mock_defaults(given, klayrai_url, graph_url)
        used_defaults = bool(filled & {name for api in apis for name in REQUIRED[api]})
    for api in apis:
        for name in REQUIRED[api]:
            if not getattr(credentials, name):
                flag, env = CREDENTIAL_SOURCES[name]
                raise UsageError(f"{flag} (or {env}) is required to test {api}")
    profile = PROFILES[args.profile]
    remote = not all(is_loopback(url) for url in {klayrai_url, graph_url})
    return Target(
        klayrai_url=klayrai_url,
        graph_url=graph_url,
        apis=apis,
        credentials=credentials,
        allow_writes=args.allow_writes,
        graph_version=args.graph_version,
        profile=profile.name,
        max_examples=args.max_examples or profile.max_examples,
        seed=args.seed if args.seed is not None else profile.seed,
        workers=args.workers or profile.workers,
        max_time=args.max_time or profile.max_time,
        max_rps=args.max_rps or (DEFAULT_REMOTE_RPS if remote else None),
        request_timeout=args.timeout or profile.request_timeout,
        budget=args.budget or profile.budget,
        phases=args.phases,
        rule_patterns=tuple(args.rules),
        used_mock_defaults=used_defaults,
        exchange_deadline=args.deadline,
        max_body_bytes=args.max_body_bytes,
        required_rules=required_rules(args.require_rules),
        fail_on_skip=args.fail_on_skip,
    )


def required_rules(lists: list[list[str]]) -> tuple[str, ...]:
    """The `--require-rules` globs; one that matches no rule of the kit is a usage error (a typo would pass)."""
    from klayrai_conformance.rules import catalogue

    globs = tuple(dict.fromkeys(glob for globs in lists for glob in globs))
    ids = [rule.id for rule in catalogue()] if globs else []
    for glob in globs:
        if not any(fnmatch.fnmatchcase(rule, glob) for rule in ids):
            raise UsageError(f"--require-rules {glob!r} matches no rule of the kit (see `conformance rules`)")
    return globs


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the CLI; returns the exit code (the `conformance` console script calls this)."""
    out, err = out or sys.stdout, err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command == "rules":
        return list_statements(out) if args.statements else list_rules(args.api, out)
    if args.command == "check":
        return check_main(args, out, err)
    try:
        target = target_from(args, dict(os.environ))
    except UsageError as error:
        err.write(f"conformance: error: {error}\n")
        return EXIT_USAGE
    if args.command == "replay":
        return replay_main(args, target, out, err)

    from klayrai_conformance.runner import Unreachable, run

    try:
        report = run(target)
    except Unreachable as error:
        err.write(f"conformance: error: {error}\n")
        return EXIT_USAGE
    out.write(summary(report, verbose=args.verbose) + "\n")
    if args.junit:
        write_junit(report, args.junit)
    return write_coverage(report, args, out)
