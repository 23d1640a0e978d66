"""The probes' HTTP client: polite to real targets (a requests-per-second cap, waiting out rate limits within a
bound), bounded in time (a request timeout, a whole-exchange deadline, and a budget deadline no request or wait goes
past) and in memory (a cap on the body read of one answer, `bounded.py`), and a recorder of every exchange, retried
and unanswered ones included, for the passive rules and for failure reports."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import httpx

from klayrai_conformance.bounded import BUDGET, AnswerCut, Bounds, read_httpx
from klayrai_conformance.exchange import Exchange
from klayrai_conformance.transport_rules import no_answer_of

MAX_RETRIES = 3
MAX_WAIT_SECONDS = 60.0  # per wait: a target asking for longer makes the probe an error of the kit, not a hang
DEFAULT_WAIT_SECONDS = 1.0  # a 429 without a usable Retry-After


class KitError(Exception):
    """The kit could not do its job (a rate limit too long to wait out, a bad URL): not a finding."""


class Unanswered(Exception):
    """The target gave no HTTP response to a request (recorded in `ProbeClient.unanswered`): the probe stops."""

    def __init__(self, exchange: Exchange) -> None:
        super().__init__(exchange.excerpt())
        self.exchange = exchange


class OutOfTime(Exception):
    """The run's time budget leaves no room for this request or wait: the probe stops, unfinished."""


class Throttle:
    """At most `rate` requests per second across threads; `None` means no cap."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.clock = clock
        self.lock = threading.Lock()
        self.next_at = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = self.clock()
            start = max(now, self.next_at)
            self.next_at = start + self.interval
        if start > now:
            time.sleep(start - now)


def retry_delay(exchange: Exchange) -> float | None:
    """How long the target asks us to wait before retrying, or None when this is not a rate-limit answer.

    KlayrAI: 429 with `Retry-After` seconds. Graph: HTTP 400 with code 80004/80000 and `is_transient`, the wait in
    `X-Business-Use-Case-Usage` (`estimated_time_to_regain_access`, minutes).
    """
    if exchange.status == 429:
        text = exchange.header("retry-after") or ""
        return float(text) if text.strip().isdigit() else DEFAULT_WAIT_SECONDS
    if exchange.status != 400:
        return None
    body = exchange.json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or error.get("code") not in (80004, 80000):
        return None
    try:
        usage = json.loads(exchange.header("x-business-use-case-usage") or "{}")
        minutes = max(entry.get("estimated_time_to_regain_access", 0) for v in usage.values() for entry in v)
    except (ValueError, TypeError, AttributeError):
        minutes = 0
    return max(float(minutes) * 60.0, DEFAULT_WAIT_SECONDS)


class ProbeClient:
    """httpx with a throttle, bounded rate-limit retries and a journal of every exchange."""

    def __init__(
        self,
        timeout: float,
        max_rps: float | None,
        sleep: Callable[[float], None] = time.sleep,
        deadline: float | None = None,
        bounds: Bounds | None = None,
    ) -> None:
        self.http = httpx.Client(timeout=timeout, follow_redirects=False)
        self.timeout = timeout
        self.bounds = bounds or Bounds(deadline=timeout)
        self.deadline = deadline  # time.monotonic() instant: no request starts, and none lasts, past it
        self.throttle = Throttle(max_rps)
        self.sleep = sleep
        self.journal: list[Exchange] = []
        self.unanswered: list[Exchange] = []
        self.lock = threading.Lock()

    def time_left(self) -> float:
        if self.deadline is None:
            return float("inf")
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise OutOfTime("the time budget of the probes ran out")
        return left

    def close(self) -> None:
        self.http.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | None = None,
    ) -> Exchange:
        for attempt in range(MAX_RETRIES + 1):
            self.throttle.wait()
            timeout = min(self.timeout, self.time_left())
            try:
                exchange = self.exchange(
                    method, url, params=params, headers=headers, data=data, content=content, timeout=timeout
                )
            except httpx.HTTPError as exc:
                self.no_answer(exc, cut=timeout < self.timeout)
            with self.lock:
                self.journal.append(exchange)
            delay = retry_delay(exchange)
            if delay is None:
                return exchange
            if attempt == MAX_RETRIES:
                raise KitError(f"{method} {url.split('?')[0]}: still rate-limited after {MAX_RETRIES} retries")
            if delay > MAX_WAIT_SECONDS:
                raise KitError(f"the target rate-limits for {delay:.0f} s (more than {MAX_WAIT_SECONDS:.0f} s)")
            if delay >= self.time_left():
                raise OutOfTime(f"the target rate-limits for {delay:.0f} s, past the time budget of the probes")
            self.sleep(delay)
        raise AssertionError("unreachable")

    def exchange(self, method: str, url: str, timeout: float, **kwargs: Any) -> Exchange:
        """One request, its answer read within the exchange's deadline and the body cap (`Unanswered` else)."""
        cut_at = time.monotonic() + self.bounds.deadline
        request = self.http.build_request(method, url, timeout=timeout, **kwargs)
        response = self.http.send(request, stream=True)
        try:
            body = read_httpx(response, self.bounds, cut_at, self.deadline)
        except AnswerCut as cut:
            if cut.no_answer.kind == BUDGET:
                raise OutOfTime("the time budget of the probes ran out during a request") from None
            headers = dict(request.headers)
            self.record_unanswered(
                Exchange.unanswered(method, str(request.url), headers, request.content, cut.no_answer)
            )
        finally:
            response.close()
        return Exchange.from_httpx(response, body)

    def record_unanswered(self, exchange: Exchange) -> NoReturn:
        with self.lock:
            self.unanswered.append(exchange)
        raise Unanswered(exchange) from None

    def no_answer(self, error: httpx.HTTPError, cut: bool) -> NoReturn:
        """Record a request the target did not answer and stop the probe; a timeout the budget shortened is not
        the target's fault, and an error of the client is the kit's."""
        no_answer = no_answer_of(error)
        try:
            request = error.request
        except RuntimeError:  # raised before a request existed: the kit's own doing
            no_answer = None
        if no_answer is None:
            raise KitError(f"{type(error).__name__}: {error}") from None
        if cut and no_answer.kind == "timeout":
            raise OutOfTime("the time budget of the probes ran out during a request") from None
        self.record_unanswered(
            Exchange.unanswered(request.method, str(request.url), dict(request.headers), request.content, no_answer)
        )

    def get(self, url: str, **kwargs: Any) -> Exchange:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Exchange:
        return self.request("POST", url, **kwargs)

    def exchanges(self, predicate: Callable[[Exchange], bool]) -> list[Exchange]:
        with self.lock:
            return [exchange for exchange in self.journal if predicate(exchange)]


def reachable(url: str, timeout: float) -> str | None:
    """None when the target accepts a connection; else a one-line reason."""
    try:  # the answer's head is enough: its body is not read (it could be endless)
        with httpx.stream("GET", url.rstrip("/") + "/", timeout=timeout, follow_redirects=False):
            pass
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
        reason = str(exc) or type(exc).__name__
        return f"target unreachable: {url} ({reason})"
    except httpx.HTTPError:
        return None  # it accepted the connection: what it did then is a finding of the run, not a usage problem
    return None
