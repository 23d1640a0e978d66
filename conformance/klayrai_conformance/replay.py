"""`conformance replay FILE.har --base-url URL`: each API request of a recording re-sent, in order, to another
target, and each answer compared with the recorded one (`compare.differences`).

The recorded credentials (often masked) are replaced by the target's: the KlayrAI key in `x-api-key`, the Graph
token wherever it travels (query, form or JSON body, `Authorization`), `appsecret_proof` signed again with the app
secret when one is given (dropped otherwise), and the business of a Graph path by `--graph-business` when given.
Preflights are not re-sent (a browser sends them by itself); POSTs only with `--allow-writes`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from klayrai_conformance.bounded import AnswerCut, read_httpx
from klayrai_conformance.compare import differences
from klayrai_conformance.exchange import Exchange
from klayrai_conformance.har import HarEntry
from klayrai_conformance.http import Throttle
from klayrai_conformance.probes_graph_auth import proof
from klayrai_conformance.report import EXIT_CONFORMS, EXIT_KIT_ERROR, EXIT_VIOLATIONS
from klayrai_conformance.target import Credentials, Target
from klayrai_conformance.transport_rules import no_answer_of
from mockserver.contract.secrets import SECRET_PARAMS, Masker

REPLAYED_HEADERS = ("accept", "content-type", "klayrai-version", "origin", "x-api-key", "authorization")
GRAPH_BUSINESS_PATHS = ("listClientAdAccounts", "createClientAdAccount")


@dataclass
class Replay:
    sent: int = 0
    preflights: int = 0
    skipped_writes: list[str] = field(default_factory=list)  # labels of the POSTs not sent
    differences: list[str] = field(default_factory=list)  # `operationId path #n: difference`
    unsent: list[str] = field(default_factory=list)  # what the kit could not send: its error, not a finding

    @property
    def exit_code(self) -> int:
        return EXIT_VIOLATIONS if self.differences else EXIT_KIT_ERROR if self.unsent else EXIT_CONFORMS


def with_credentials(params: list[tuple[str, str]], credentials: Credentials) -> list[tuple[str, str]]:
    """Recorded `access_token`/`appsecret_proof` values replaced by the target's (a proof without a secret dropped)."""
    token, secret = credentials.graph_token or "", credentials.graph_app_secret
    replaced = []
    for name, value in params:
        if name == "access_token":
            replaced.append((name, token))
        elif name == "appsecret_proof":
            replaced += [(name, proof(secret, token))] if secret else []
        else:
            replaced.append((name, value))
    return replaced


def replay_url(entry: HarEntry, target: Target, business: str | None) -> str:
    parts = urlsplit(entry.exchange.url)
    segments = parts.path.split("/")
    if entry.operation_id in GRAPH_BUSINESS_PATHS and business and len(segments) > 2:
        segments[2] = business
    query = urlencode(with_credentials(parse_qsl(parts.query, keep_blank_values=True), target.credentials))
    return target.url_for(entry.api) + "/".join(segments) + (f"?{query}" if query else "")


def replay_headers(entry: HarEntry, credentials: Credentials) -> dict[str, str]:
    headers = {k: v for k, v in entry.exchange.request_headers.items() if k in REPLAYED_HEADERS}
    if "x-api-key" in headers:
        headers["x-api-key"] = credentials.klayrai_key or ""
    if "authorization" in headers:
        scheme = headers["authorization"].split()[0] if headers["authorization"].split() else "Bearer"
        headers["authorization"] = f"{scheme} {credentials.graph_token or ''}"
    return headers


def replay_body(entry: HarEntry, credentials: Credentials) -> bytes:
    exchange = entry.exchange
    if not exchange.request_body.strip():
        return b""
    if exchange.content_type == "application/json":
        body = exchange.body_params()
        if not body:
            return exchange.request_body
        pairs = with_credentials([(k, v) for k, v in body.items() if k in SECRET_PARAMS], credentials)
        rest = {k: v for k, v in body.items() if k not in SECRET_PARAMS}
        return json.dumps({**rest, **dict(pairs)}).encode()
    if exchange.content_type == "application/x-www-form-urlencoded":
        pairs = parse_qsl(exchange.request_body.decode("utf-8", "replace"), keep_blank_values=True)
        return urlencode(with_credentials(pairs, credentials)).encode()
    return exchange.request_body


def send(client: httpx.Client, entry: HarEntry, target: Target, business: str | None) -> Exchange | str:
    """The target's answer (or its lack of one); a string when the kit could not send the request at all."""
    url, headers = replay_url(entry, target, business), replay_headers(entry, target.credentials)
    body = replay_body(entry, target.credentials)
    method = entry.exchange.method
    try:  # read within the exchange's deadline and the body cap, as every answer the kit reads
        response = client.send(client.build_request(method, url, headers=headers, content=body), stream=True)
        try:
            answer = read_httpx(response, target.bounds, time.monotonic() + target.bounds.deadline)
        finally:
            response.close()
        return Exchange.from_httpx(response, answer)
    except AnswerCut as cut:
        return Exchange.unanswered(method, url, headers, body, cut.no_answer)
    except httpx.HTTPError as error:
        no_answer = no_answer_of(error)
        if no_answer is None:
            return f"{type(error).__name__}: {error}"
        return Exchange.unanswered(entry.exchange.method, url, headers, body, no_answer)


def replay(entries: list[HarEntry], target: Target, business: str | None = None) -> Replay:
    """Every entry re-sent in file order at most `target.max_rps` a second; what differed, masked. `business`: the
    Graph business to call instead of the recorded one (only when the user names one, never the mock's default)."""
    result = Replay()
    masker = Masker([*target.secrets, *(s for entry in entries for s in entry.exchange.secrets())])
    throttle = Throttle(target.max_rps)
    with httpx.Client(timeout=target.request_timeout) as client:
        for entry in entries:
            if entry.operation_id is None:
                result.preflights += 1
                continue
            if entry.exchange.method != "GET" and not target.allow_writes:
                result.skipped_writes.append(entry.label())
                continue
            throttle.wait()
            answered = send(client, entry, target, business)
            result.sent += 1
            where = f"{entry.operation_id} {entry.exchange.path} #{entry.index}"
            if isinstance(answered, str):
                result.unsent.append(masker(f"{where}: {answered}"))
                continue
            if answered.no_answer is not None:
                result.differences.append(masker(f"{where}: $: {answered.excerpt()}"))
                continue
            found = differences(entry.operation_id, entry.exchange, answered)
            result.differences += [masker(f"{where}: {difference}") for difference in found]
    return result


def summary(result: Replay, target: Target) -> str:
    lines = [f"replay to {', '.join(target.urls)}: {result.sent} requests sent, {result.preflights} preflights left"]
    lines += [f"skipped (a write; --allow-writes sends it): {label}" for label in result.skipped_writes]
    lines += [f"DIFFERS {difference}" for difference in result.differences]
    lines += [f"NOT SENT (an error of the kit, not a finding) {unsent}" for unsent in result.unsent]
    lines.append({
        EXIT_CONFORMS: "RESULT: every answer is equivalent to the recorded one (exit 0)",
        EXIT_VIOLATIONS: f"RESULT: {len(result.differences)} differences (exit 1)",
        EXIT_KIT_ERROR: "RESULT: no difference found, but some requests could not be sent (exit 3)",
    }[result.exit_code])  # fmt: skip
    return "\n".join(lines)
