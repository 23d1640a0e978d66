"""The schemathesis part of a run: openapi.yaml's examples, coverage, fuzzing (positive and negative) and stateful
phases, with every built-in check that applies and the kit's semantic checks, driven in-process through the same
engine as `st run`, and its events turned into findings under rule ids.

Configuration comes from the packaged `schemathesis.toml` (auth from environment variables, per-operation exclusions
with their reasons). Checks are only ever *excluded* here, never listed as included: naming a check (as `--checks
all` does) re-enables it for operations whose config disables it.
"""

from __future__ import annotations

import ast
import functools
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.config._checks import _BUILTIN_CHECK_NAMES
from schemathesis.engine import events, from_schema
from schemathesis.errors import NoLinksFound

from klayrai_conformance import transport_rules
from klayrai_conformance.bounded import BUDGET
from klayrai_conformance.checks import CHECK_RULES
from klayrai_conformance.coverage import Tally
from klayrai_conformance.exchange import Exchange
from klayrai_conformance.probes import Finding
from klayrai_conformance.st_transport import kit_run, stop_sending
from klayrai_conformance.target import SCHEMATHESIS_PHASES, Target
from mockserver.contract.spec import default_contract
from mockserver.resources import SPEC_PATH, packaged

CONFIG_PATH = packaged("klayrai_conformance", "schemathesis.toml")
# The batch is fuzzed at one of its three paths (`graphBatchNoSlash` and `graphBatchRoot` are the same operation):
# each more operation fuzzed by two workers at once makes hypothesis' concurrent `ast.parse` (CPython 3.11) likelier
# to fail with "AST constructor recursion depth mismatch".
API_OPERATIONS = {
    "klayrai": ("listAccounts",),
    "meta": ("listClientAdAccounts", "createClientAdAccount", "graphBatch"),
}
# Built-in checks and why the kit runs them; the rule id of each is `schemathesis.<name>`.
BUILTIN_CHECKS = {
    "not_a_server_error": "No 5xx for any request, valid or not.",
    "status_code_conformance": "Every status is one the operation documents.",
    "content_type_conformance": "Every Content-Type is one the response documents.",
    "response_headers_conformance": "Documented response headers are present and match their schemas.",
    "response_schema_conformance": "Every body matches its documented schema (types, required fields, formats).",
    "positive_data_acceptance": "Schema-valid requests are accepted (per-operation statuses in schemathesis.toml).",
    "negative_data_rejection": "Schema-invalid requests are rejected with 4xx.",
    "missing_required_header": "A request without a required header is rejected.",
    "unsupported_method": "A method the path does not document gets 405 (not Graph: see schemathesis.toml).",
    "allow_header_conformance": "A 405 lists the allowed methods in Allow.",
    "use_after_free": "A deleted resource is gone (stateful).",
    "ensure_resource_availability": "A created resource is available through its links (stateful).",
    "ignored_auth": "Missing or invalid credentials are refused (not Graph: see schemathesis.toml).",
    "object_level_authorization": "One identity cannot read another's objects (needs configured peers).",
}
BUILTIN_NAMES = sorted(name for name in _BUILTIN_CHECK_NAMES if name in BUILTIN_CHECKS)
_ENV_LOCK = threading.Lock()


def _serialize_ast_parse() -> None:
    """CPython 3.11 keeps `ast.parse`'s recursion depth in interpreter-wide state, so two schemathesis workers parsing
    at once (hypothesis describing a filter's lambda from its source, pytest rewriting a module imported lazily in a
    worker) fail with "AST constructor recursion depth mismatch", a kit error. One lock around it; parses are rare
    (hypothesis and pytest cache theirs), so it is rarely contended."""
    if sys.version_info >= (3, 12) or getattr(ast.parse, "serialized", False):
        return
    parse = ast.parse
    lock = threading.RLock()

    @functools.wraps(parse)
    def serialized(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return parse(*args, **kwargs)

    serialized.serialized = True  # type: ignore[attr-defined]
    ast.parse = serialized


_serialize_ast_parse()


def rule_of(check: str) -> str:
    return CHECK_RULES.get(check, f"schemathesis.{check}")


@dataclass
class FuzzResult:
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    ran: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    phases: list[str] = field(default_factory=list)
    seed: int | None = None
    cut_short: list[str] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)  # the documented responses schemathesis' answers were
    notes: list[str] = field(default_factory=list)  # what the run left out by design, not an error of the kit


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """The config file reads credentials from the environment: set them only while it is loaded."""
    with _ENV_LOCK:
        saved = {name: os.environ.get(name) for name in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def load_config(target: Target, url: str, rules: set[str]) -> schemathesis.Config:
    credentials = target.credentials
    values = {
        "KLAYRAI_API_KEY": credentials.klayrai_key or "unused",
        "GRAPH_ACCESS_TOKEN": credentials.graph_token or "unused",
        "GRAPH_BUSINESS_ID": credentials.graph_business or "0",
    }
    with environment(values):
        config = schemathesis.Config.from_path(CONFIG_PATH)
    config.update(seed=target.seed, max_failures=None, max_time=target.max_time)
    override = config.projects.override
    override.update(base_url=url, workers=target.workers, rate_limit="auto", request_timeout=target.request_timeout)
    override.generation.update(max_examples=target.max_examples, database="none")
    override.phases.update(phases=[phase for phase in target.phases if phase in SCHEMATHESIS_PHASES])
    every = [*BUILTIN_NAMES, *CHECK_RULES]
    override.checks.update(excluded_check_names=[name for name in every if rule_of(name) not in rules])
    return config


def exchange_of(interaction: Any) -> Exchange | None:
    response = getattr(interaction, "response", None)
    if response is None:
        return None
    request = interaction.request
    return Exchange(
        method=request.method,
        url=request.uri,
        request_headers={k.lower(): ", ".join(v) for k, v in request.headers.items()},
        request_body=request.body or b"",
        status=response.status_code,
        headers={k.lower(): ", ".join(v) for k, v in response.headers.items()},
        body=response.content or b"",
        elapsed=response.elapsed,
    )


def collect(event: events.ScenarioFinished, result: FuzzResult, seen: dict[tuple[str, ...], Finding]) -> None:
    recorder = event.recorder
    result.requests += len(recorder.interactions)
    tally_answers(recorder, result.tally)
    for case_id, nodes in recorder.checks.items():
        for node in nodes:
            rule = rule_of(node.name)
            result.ran.add(rule)  # schemathesis records no node for a check that skipped the case
            if node.failure_info is None:
                continue
            failure = node.failure_info.failure
            message = failure.message or failure.title
            interaction = recorder.interactions.get(failure.case_id or case_id)
            status = getattr(getattr(interaction, "response", None), "status_code", None)
            key = (rule, str(failure.operation), failure.title, str(status))  # one finding per kind of answer
            if key in seen:
                seen[key].count += 1
                continue
            title = "" if failure.title.startswith("Custom check failed") else f"{failure.title}: "
            finding = Finding(rule, f"{failure.operation}: {title}{message}", exchange_of(interaction), "schemathesis")
            seen[key] = finding
            result.findings.setdefault(rule, []).append(finding)


def tally_answers(recorder: Any, tally: Tally) -> None:
    """Count each answer under the operation its case was drawn for, judged by the checks run on it."""
    for case_id, interaction in recorder.interactions.items():
        response, node = interaction.response, recorder.cases.get(case_id)
        if response is None or node is None:
            continue
        rules = {rule_of(check.name) for check in recorder.checks.get(case_id, [])} | set(transport_rules.RULES)
        operation = node.value.operation
        # a method the path does not serve (unsupported_method's requests) reaches no operation
        same = str(interaction.request.method).upper() == operation.method.upper()
        operation_id = operation.definition.raw.get("operationId") if same else None
        tally.add(operation_id, response.status_code, response.content or b"", rules)


def unanswered(event: events.NonFatalError, result: FuzzResult, seen: dict[tuple[str, ...], Finding]) -> bool:
    """A request schemathesis sent and the target did not answer: a finding of a transport rule, not an error of
    the kit. False when the error is something else."""
    error = event.value
    no_answer = transport_rules.no_answer_of(error)
    request = getattr(error, "request", None)
    if no_answer is None or request is None or not getattr(request, "url", None):
        return False
    if no_answer.kind == BUDGET:
        return True  # not sent, or cut, because the run was stopped: the report says it was cut short
    exchange = Exchange.unanswered(
        str(request.method), str(request.url), dict(request.headers), request.body, no_answer
    )
    rule = transport_rules.KIND_RULES[no_answer.kind]
    key = (rule, event.label, no_answer.kind)
    if key in seen:
        seen[key].count += 1
        return True
    problem = transport_rules.RULES[rule](exchange)[0]
    seen[key] = Finding(rule, f"{event.label}: {problem}", exchange, "schemathesis")
    result.findings.setdefault(rule, []).append(seen[key])
    return True


def run(target: Target, rules: set[str], writes: bool, stop_at: float) -> FuzzResult:
    """Run the enabled schemathesis phases once per base URL of the selected APIs, stopped at `stop_at`
    (`time.monotonic()`) whatever they are doing; requests in flight then end within the request timeout."""
    result = FuzzResult(phases=[p for p in target.phases if p in SCHEMATHESIS_PHASES])
    groups: dict[str, list[str]] = {}
    for api in target.apis:
        groups.setdefault(target.url_for(api), []).extend(API_OPERATIONS[api])
    seen: dict[tuple[str, ...], Finding] = {}
    with kit_run(target):
        for url, operations in groups.items():
            if time.monotonic() >= stop_at:
                result.cut_short.append(f"schemathesis: not run against {url} (no time left)")
                continue
            config = load_config(target, url, rules)
            result.seed = config.seed
            schema = schemathesis.openapi.from_path(SPEC_PATH, config=config)
            # `exclude`, not `include`: the config's [[operations]] sections add an include filter of their own,
            # and include filters are alternatives, so one more would not narrow anything.
            others = [op for op in default_contract().operations if op not in operations]
            schema = schema.exclude(operation_id=others) if others else schema
            if not writes:
                schema = schema.exclude(method="POST")
            execute(from_schema(schema).execute(), stop_at, result, seen)
    if result.requests:
        result.ran |= set(transport_rules.RULES)
    return result


def execute(stream: Any, stop_at: float, result: FuzzResult, seen: dict[tuple[str, ...], Finding]) -> None:
    """Consume one schemathesis run's events; a watchdog stops it at `stop_at`."""
    stopped = threading.Event()

    def stop() -> None:
        stopped.set()
        stop_sending()
        stream.stop()

    watchdog = threading.Timer(max(0.0, stop_at - time.monotonic()), stop)
    watchdog.daemon = True
    watchdog.start()
    phase = "start-up"
    try:
        for event in stream:
            if isinstance(event, events.ScenarioFinished):
                collect(event, result, seen)
            elif isinstance(event, events.PhaseStarted):
                phase = event.phase.name.value
            elif isinstance(event, events.NonFatalError):
                if isinstance(event.value, NoLinksFound):  # e.g. --api klayrai, or a read-only run of meta
                    result.notes.append("schemathesis: no stateful phase: no link between the operations tested")
                elif not unanswered(event, result, seen):
                    result.errors.append(f"schemathesis, {event.label}: {event.info.format().strip()}")
            elif isinstance(event, events.FatalError):
                result.errors.append(f"schemathesis: {type(event.exception).__name__}: {event.exception}")
    finally:
        watchdog.cancel()
    if stopped.is_set():
        result.cut_short.append(f"schemathesis: stopped by the budget during its {phase} phase")
