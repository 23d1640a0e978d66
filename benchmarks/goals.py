"""The issue's targets judged on a run's report: one row per target and request, PASS, FAIL, n/a (not measured in
this run) or info (reported, no threshold)."""

from __future__ import annotations

import math
from typing import Any

from benchmarks.probes import med
from benchmarks.targets import (
    BATCH_TIMES,
    CEILING_FRACTION,
    JOURNAL_CEILING_FRACTION,
    LAST_PAGE_TIMES,
    POST_GET_TIMES,
    PRISM_P99_FRACTION,
    PRISM_RPS_TIMES,
    REQUESTS,
    SERVERS,
    STARTUP_S,
)

OURS = f"ours-{SERVERS[0]}"
Row = dict[str, Any]  # target, request, measured (text), value (number or None), ok (True, False, None, "info")


def row(target: str, request: str, measured: str, value: float | None, ok: bool | str | None) -> Row:
    if isinstance(value, float) and math.isnan(value):
        value, ok = None, None
    return {"target": target, "request": request, "measured": measured, "value": value, "ok": ok}


def stat(report: dict[str, Any], req: str, name: str, key: str) -> float | None:
    return report.get("summary", {}).get(req, {}).get(name, {}).get(key)


def fastest_ceiling(report: dict[str, Any], req: str) -> tuple[str, float] | None:
    found = [(f"ceiling-{s}", stat(report, req, f"ceiling-{s}", "rps")) for s in SERVERS]
    found = [(n, v) for n, v in found if v]
    return max(found, key=lambda nv: nv[1]) if found else None


def ceiling_rows(report: dict[str, Any], fraction: float, what: str = "") -> list[Row]:
    """Ours as a share of the fastest ceiling, on each request: at least `fraction`."""
    rows = []
    for req in REQUESTS:
        rps, ceiling = stat(report, req.name, OURS, "rps"), fastest_ceiling(report, req.name)
        target = f">= {100 * fraction:.0f}% of the fastest ceiling{what}"
        if rps and ceiling:
            r = rps / ceiling[1]
            rows.append(row(target, req.name, f"{100 * r:.0f}% of {ceiling[0]}", r, r >= fraction))
        else:
            rows.append(row(target, req.name, "not measured", None, None))
    return rows


def journal_rows(report: dict[str, Any]) -> list[Row]:
    """The HAR issue's target (the mock with its full journal against the ceiling), and the journal's price: the
    mock with it against the same mock keeping nothing (`--journal-size 0`), side by side in the run."""
    rows = ceiling_rows(report, JOURNAL_CEILING_FRACTION, ", full journal on")
    for req in REQUESTS:
        rps, bare = stat(report, req.name, OURS, "rps"), stat(report, req.name, "ours-nojournal", "rps")
        if rps and bare:
            rows.append(
                row("journal on / --journal-size 0 reported", req.name, f"{rps / bare:.2f}", rps / bare, "info")
            )
    return rows


def judge(report: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for req in REQUESTS:
        rps, p99 = stat(report, req.name, OURS, "rps"), stat(report, req.name, OURS, "p99")
        prism_rps, prism_p99 = stat(report, req.name, "prism", "rps"), stat(report, req.name, "prism", "p99")
        target = f">= {PRISM_RPS_TIMES:.0f}x Prism req/s and <= {PRISM_P99_FRACTION:g} of its p99"
        if rps and p99 and prism_rps and prism_p99:
            r_rps, r_p99 = rps / prism_rps, p99 / prism_p99
            ok = r_rps >= PRISM_RPS_TIMES and r_p99 <= PRISM_P99_FRACTION
            rows.append(row(target, req.name, f"{r_rps:.1f}x req/s, p99 {r_p99:.3f}x", r_rps, ok))
        else:
            rows.append(row(target, req.name, "Prism not run", None, None))
    rows += ceiling_rows(report, CEILING_FRACTION)
    rows += journal_rows(report)
    batch = report.get("batch") or {}
    target = f"batch of 50 within {BATCH_TIMES:.0f}x one request"
    if batch.get("available"):
        rows.append(
            row(
                target,
                "batch",
                f"{batch['ratio']:.2f}x ({batch['batch_ms']:.2f} ms / {batch['single_ms']:.2f} ms)",
                batch["ratio"],
                batch["ratio"] <= BATCH_TIMES,
            )
        )
    else:
        rows.append(row(target, "batch", "n/a (no batch endpoint)" if batch else "not measured", None, None))
    post = (report.get("big") or {}).get("post")
    get_rps = stat(report, "graph", OURS, "rps")
    target = f"POST req/s within {POST_GET_TIMES:.0f}x of GET (graph)"
    if post and get_rps:
        p = post["summary"]["rps"]
        rows.append(
            row(
                target,
                "post",
                f"{p:.0f} req/s, GET/POST {get_rps / p:.2f}x, {post['summary']['non2xx_pct']:.1f}% non-2xx",
                get_rps / p,
                get_rps / p <= POST_GET_TIMES and post["summary"]["non2xx_pct"] == 0,
            )
        )
    else:
        rows.append(row(target, "post", "not measured", None, None))
    starts = report.get("startup", {}).get(OURS, [])
    s = med(starts)
    rows.append(row(f"start-up under {STARTUP_S:g} s, default world", "startup", f"{s:.2f} s", s, s < STARTUP_S))
    big = report.get("big") or {}
    if big.get("summary"):
        r = big["summary"]["last"]["p50"] / big["summary"]["page1"]["p50"]
        target = f"page 1000 within {LAST_PAGE_TIMES:g}x of page 1"
        rows.append(row(target + " (p50 under load)", "page1000", f"{r:.2f}x", r, r <= LAST_PAGE_TIMES))
        c = big["cold"]["last"]["cold_ms"] / big["cold"]["page1"]["cold_ms"]
        rows.append(row(target + " (cold)", "page1000", f"{c:.2f}x", c, c <= LAST_PAGE_TIMES))
    rss = report.get("ours_rss", {}).get("VmRSS")
    rows.append(row("RSS reported", OURS, f"{(rss or 0) / 1024:.1f} MiB", rss, "info"))
    if big.get("rss_kb"):
        rows.append(
            row(
                "RSS reported",
                "ours --size big",
                f"{big['rss_kb']['VmRSS'] / 1024:.1f} MiB",
                big["rss_kb"]["VmRSS"],
                "info",
            )
        )
    wk = report.get("workers") or {}
    if wk.get("available"):
        one, two = wk["summary"]["workers-1"]["rps"], wk["summary"]["workers-2"]["rps"]
        rows.append(
            row(
                "2 workers vs 1 reported",
                "klayrai",
                f"{two:.0f} vs {one:.0f} req/s ({two / one:.2f}x), state {wk['state']}",
                two / one,
                "info",
            )
        )
    else:
        rows.append(row("2 workers vs 1 reported", "klayrai", f"n/a ({wk.get('reason', 'not measured')})", None, None))
    return rows
