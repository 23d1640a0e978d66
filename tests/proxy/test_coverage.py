"""The validating proxy's `/__mock/coverage`: what the real backend answered to the traffic it saw, counted like the
mock counts its own answers (per documented response, undocumented kinds, and requests no operation serves)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from mockserver.testing import RunningMock, serve_app
from tests.faulty import klayrai
from tests.proxy.support import INVALID, VALID, proxy_to, send


def seen(report: dict[str, Any]) -> dict[tuple[str, str, str | None], int]:
    return {
        (operation["operationId"], entry["status"], entry["example"]): entry["seen"]
        for operation in report["operations"]
        for entry in operation["responses"]
        if entry["seen"]
    }


def test_the_proxys_coverage_counts_what_the_backend_answered(mockserver: RunningMock) -> None:
    with proxy_to(mockserver.base_url) as (base, _):
        empty = httpx.get(f"{base}/__mock/coverage").json()
        answers = send(base, VALID + INVALID)
        report = httpx.get(f"{base}/__mock/coverage").json()
    assert seen(empty) == {} and empty["outside"] == 0
    assert [operation["operationId"] for operation in report["operations"]] == [
        operation["operationId"] for operation in empty["operations"]
    ]
    # The backend (the mock itself) counted the same answers: the two reports agree.
    assert report == mockserver.coverage()
    accounts = [a for a, (_, path, _) in zip(answers, VALID + INVALID, strict=True) if path == "/v1/accounts"]
    assert seen(report)[("listAccounts", "200", None)] == sum(1 for a in accounts if a.status_code == 200)
    assert seen(report)[("listAccounts", "401", None)] == sum(1 for a in accounts if a.status_code == 401)
    assert report["outside"] == 1  # the edge no operation serves
    assert report["summary"]["seen"] == len(seen(report))


def test_answers_the_contract_does_not_document_are_listed_apart() -> None:
    """A backend answering KlayrAI errors as application/problem+json: no error envelope, so no documented error."""
    with serve_app(klayrai.problem_json_errors()) as upstream, proxy_to(upstream) as (base, _):
        answers = send(base, VALID)
        report = httpx.get(f"{base}/__mock/coverage").json()
    accounts = next(operation for operation in report["operations"] if operation["operationId"] == "listAccounts")
    refused = Counter(str(a.status_code) for a, (_, path, _) in zip(answers, VALID, strict=True)
                      if path == "/v1/accounts" and a.status_code >= 400)  # fmt: skip
    assert refused and accounts["undocumented"] == [{"answer": kind, "seen": n} for kind, n in sorted(refused.items())]
    assert all(entry["seen"] == 0 for entry in accounts["responses"] if entry["status"] != "200")
