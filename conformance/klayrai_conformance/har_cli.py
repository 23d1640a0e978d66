"""The `check` and `replay` subcommands of `conformance`: recorded traffic (HAR) judged offline, or re-sent to
another target and compared.

Exit codes as for `run`: 0 clean or equivalent, 1 a violation or a difference, 2 a usage error (an unreadable file,
a missing credential, a target that accepts no connection), 3 nothing found but the kit could not judge or send
everything.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from klayrai_conformance.bounded import DEFAULT_MAX_BODY_BYTES
from klayrai_conformance.target import APIS, CREDENTIAL_SOURCES, PHASES, Target

CHECK_EPILOG = (
    "Entries outside both APIs' paths are ignored and counted. Each failure names its rule, its entry (number in\n"
    "the file, method and URL, credentials masked) and the field as a JSON path (data[0].currency)."
)
REPLAY_EPILOG = (
    "Recorded credentials (masked or not) are replaced by the target's; a loopback target gets the default mock\n"
    "world's for any not given. Only documented headers are compared; the values openapi.yaml calls volatile\n"
    "(x-volatile headers, components.x-volatile-properties: ids, usage figures, cursors) only need be present.\n"
    "POSTs are skipped unless --allow-writes."
)

REPLAY_CREDENTIALS = {
    "klayrai_key": "the KlayrAI key every KlayrAI request is sent with",
    "graph_token": "the Graph token every Graph request is sent with",
    "graph_business": "the business to call instead of the recorded one",
    "graph_app_secret": "the app secret, to sign appsecret_proof again (dropped without it)",
}


def add_check_parser(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("check", help="judge a HAR file offline", epilog=CHECK_EPILOG)
    check.add_argument("har", type=Path, metavar="FILE.har")
    check.add_argument("--api", choices=["klayrai", "meta", "all"], default="all", help="which API's entries to judge")
    check.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML (one test case per rule)")


def add_replay_parser(commands: argparse._SubParsersAction) -> None:
    replay = commands.add_parser("replay", help="re-send a HAR file's API requests to a target and compare")
    replay.epilog = REPLAY_EPILOG
    replay.add_argument("har", type=Path, metavar="FILE.har")
    where = replay.add_argument_group("target")
    where.add_argument("--base-url", help="base URL of both APIs (e.g. http://127.0.0.1:4010)")
    where.add_argument("--klayrai-url", help="base URL of the KlayrAI API, when it differs from --base-url")
    where.add_argument("--graph-url", help="base URL of the Graph API, when it differs from --base-url")
    where.add_argument("--api", choices=["klayrai", "meta", "all"], default="all", help="which API's entries to send")
    group = replay.add_argument_group("credentials (flag, else the environment variable named)")
    for name, text in REPLAY_CREDENTIALS.items():
        flag, env = CREDENTIAL_SOURCES[name]
        group.add_argument(flag, dest=name, metavar="VALUE", help=f"{text} [{env}]")
    group.add_argument("--no-mock-defaults", action="store_true", help="never fill in the mock world's credentials")
    budget = replay.add_argument_group("pace")
    budget.add_argument("--max-rps", type=float, help="request rate cap (default: none on loopback, 10 otherwise)")
    budget.add_argument("--timeout", type=float, help="per-request timeout in seconds (default 5)")
    budget.add_argument(
        "--deadline", type=float, help="limit of one whole exchange, body included (default: --timeout)"
    )
    budget.add_argument(
        "--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES, help="most read of one answer (4 MiB)"
    )
    replay.add_argument("--allow-writes", action="store_true", help="send the recording's POSTs too")
    # what `run`'s target needs and a replay does not choose
    replay.set_defaults(
        profile="ci", max_examples=None, seed=None, workers=None, max_time=None, budget=None, phases=PHASES,
        rules=[], graph_version="v25.0", require_rules=[], fail_on_skip=False,
    )  # fmt: skip


def apis_of(choice: str) -> tuple[str, ...]:
    return APIS if choice == "all" else (choice,)


def check_main(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from klayrai_conformance.har import HarError, read_har
    from klayrai_conformance.har_check import judge, summary
    from klayrai_conformance.report import EXIT_USAGE, write_junit
    from mockserver.contract.spec import default_contract

    try:
        har = read_har(args.har, default_contract(), apis_of(args.api))
    except HarError as error:
        err.write(f"conformance: error: {error}\n")
        return EXIT_USAGE
    report = judge(har, args.har)
    out.write(summary(report, args.har, har.ignored) + "\n")
    if args.junit:
        write_junit(report, args.junit)
    return report.exit_code


def replay_main(args: argparse.Namespace, target: Target, out: TextIO, err: TextIO) -> int:
    """`target`: built from the arguments as `run` builds its own (`cli.target_from`)."""
    from klayrai_conformance.har import HarError, read_har
    from klayrai_conformance.http import reachable
    from klayrai_conformance.replay import replay, summary
    from klayrai_conformance.report import EXIT_USAGE
    from mockserver.contract.spec import default_contract

    if any(value is not None and value <= 0 for value in (args.max_rps, args.timeout)):
        err.write("conformance: error: --max-rps and --timeout must be more than 0\n")
        return EXIT_USAGE
    try:
        har = read_har(args.har, default_contract(), target.apis)
    except HarError as error:
        err.write(f"conformance: error: {error}\n")
        return EXIT_USAGE
    for url in target.urls:
        reason = reachable(url, timeout=min(target.request_timeout, 10.0))
        if reason:
            err.write(f"conformance: error: {reason}\n")
            return EXIT_USAGE
    business = args.graph_business or os.environ.get(CREDENTIAL_SOURCES["graph_business"][1])
    result = replay(har.entries, target, business)
    out.write(summary(result, target) + "\n")
    return result.exit_code
