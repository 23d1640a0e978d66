"""`mockserver proxy`: its own flags (the server flags it shares with `serve` are added by `mockserver.cli`)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import warnings
from pathlib import Path
from types import FrameType
from urllib.parse import SplitResult, urlsplit

from mockserver.controls.admin_guard import admin_notice, is_loopback
from mockserver.proxy.settings import ProxySettings

EXIT_VIOLATIONS = 1
SHUTDOWN_SECONDS = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--upstream", default=os.environ.get("MOCK_UPSTREAM"), help="backend of both APIs [MOCK_UPSTREAM]"
    )
    parser.add_argument("--klayrai-upstream", help="backend of the KlayrAI API, when apart (default: --upstream)")
    parser.add_argument("--graph-upstream", help="backend of the Graph edge, when apart (default: --upstream)")
    parser.add_argument(
        "--strict", action="store_true", help="answer broken requests with 400, broken answers with 502"
    )
    parser.add_argument("--record", type=Path, help="write real answers as examples: DIR/<operationId>/<status>/")
    parser.add_argument("--record-har", type=Path, help="write what passes through as HAR 1.2 to FILE, kept valid")
    parser.add_argument(
        "--record-har-bytes",
        type=int,
        default=ProxySettings.record_har_bytes,
        help=f"bound of the --record-har file ({ProxySettings.record_har_bytes})",
    )
    parser.add_argument(
        "--journal-body-bytes",
        type=int,
        default=ProxySettings.journal_body_bytes,
        help=f"each body the journal and HAR keep ({ProxySettings.journal_body_bytes})",
    )
    parser.add_argument("--junit", type=Path, help="write a JUnit report at shutdown, one test case per rule")
    parser.add_argument("--fail-on-violation", action="store_true", help="exit 1 at shutdown if any rule was broken")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds for the whole exchange with the upstream (30)"
    )
    parser.add_argument(
        "--max-answer-bytes",
        type=int,
        default=ProxySettings.max_answer_bytes,
        help=f"largest upstream answer read; over it, a 502 naming the cap ({ProxySettings.max_answer_bytes})",
    )
    parser.add_argument("--connect-timeout", type=float, default=5.0, help="seconds to connect to the upstream (5)")


def settings_from(args: argparse.Namespace) -> ProxySettings:
    """Raises ValueError with a one-line reason when the upstreams are missing or not http(s) URLs."""
    upstreams = {"klayrai": args.klayrai_upstream or args.upstream, "graph": args.graph_upstream or args.upstream}
    for api, url in upstreams.items():
        if not url:
            raise ValueError(f"no upstream for the {api} API: give --upstream (or --{api}-upstream)")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"upstream {url!r} is not an http(s) URL")
        if is_own_address(parts, args.host, args.port):
            raise ValueError(f"upstream {url!r} is this proxy's own address: every request would loop")
    if args.timeout <= 0 or args.connect_timeout <= 0 or args.max_answer_bytes <= 0:
        raise ValueError("timeouts and --max-answer-bytes must be positive")
    if args.record_har_bytes < 1 or args.journal_body_bytes < 0:
        raise ValueError("--record-har-bytes must be positive, --journal-body-bytes not negative")
    return ProxySettings(
        klayrai_upstream=upstreams["klayrai"],
        graph_upstream=upstreams["graph"],
        host=args.host,
        port=args.port,
        cors_origins=tuple(args.cors_origin),
        log_level=args.log_level,
        strict=args.strict,
        record=args.record,
        record_har=args.record_har,
        record_har_bytes=args.record_har_bytes,
        journal_body_bytes=args.journal_body_bytes,
        junit=args.junit,
        fail_on_violation=args.fail_on_violation,
        connect_timeout=args.connect_timeout,
        timeout=args.timeout,
        max_answer_bytes=args.max_answer_bytes,
        admin_token=args.admin_token,
        admin_hosts=tuple(args.admin_host),
    )


def is_own_address(upstream: SplitResult, host: str, port: int) -> bool:
    """Whether the upstream is where the proxy listens: the same port on its host, on a loopback name when the proxy
    is on loopback or on every interface (0.0.0.0, ::)."""
    upstream_port = upstream.port or (443 if upstream.scheme == "https" else 80)
    if upstream_port != port or upstream.hostname is None:
        return False
    name = upstream.hostname.lower()
    everywhere = host in ("0.0.0.0", "::", "")
    return name == host.lower() or (is_loopback(name) and (is_loopback(host) or everywhere))


def banner(settings: ProxySettings) -> str:
    base = f"http://{settings.host}:{settings.port}"
    mode = "strict: broken requests are not forwarded" if settings.strict else "report only"
    return "\n".join(
        [
            f"Contract proxy on {base} ({mode})",
            f"  KlayrAI -> {settings.klayrai_upstream}",
            f"  Graph   -> {settings.graph_upstream}",
            f"  Violations: {base}/__mock/violations   journal: {base}/__mock/journal?violations=true",
            admin_notice(settings.host, settings.admin_token),
        ]
    )


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; the app prints its summary (and writes the JUnit file) as it shuts down."""
    import uvicorn

    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from mockserver.proxy.app import ProxyApp

    try:
        settings = settings_from(args)
    except ValueError as exc:
        print(f"mockserver proxy: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per forwarded request is noise
    app = ProxyApp(settings)

    def outcome() -> int:
        app.finish()  # already done by the lifespan shutdown, unless the server stopped without one
        return EXIT_VIOLATIONS if settings.fail_on_violation and app.log.total else 0

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(outcome())

    # The server handles SIGINT/SIGTERM itself (graceful shutdown), then restores these handlers and raises the
    # signal again: ours turn it into the exit code instead of a death by signal.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, stop)
    print(banner(settings), file=sys.stderr, flush=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,  # a hanging upstream must not hold up a stop
    )
    return outcome()
