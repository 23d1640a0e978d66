"""Reporting: the tables of one run, from its report dict alone (so a past run's results.json prints the same)."""

from __future__ import annotations

from typing import Any

from benchmarks.goals import OURS, judge
from benchmarks.probes import med
from benchmarks.targets import BIG_KEY, REQUESTS, SERVERS


def fmt_spread(value: float, low: float, high: float, digits: int) -> str:
    return f"{value:.{digits}f} [{low:.{digits}f}-{high:.{digits}f}]"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=False)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)) for row in rows]
    return "\n".join(out)


def verdict(ok: bool | str | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a ", "info": "info"}[ok]


def machine_lines(m: dict[str, Any]) -> list[str]:
    code = m.get("code_start") or {}
    end = m.get("loadavg_end")
    return [
        f"Machine: {m['cpu']}, {m['nproc']} cores, {m.get('memory_gib', '?')} GiB, {m['platform']}",
        f"Load average (1/5/15 min) at start {'/'.join(f'{x:.2f}' for x in m['loadavg_start'])}"
        + (f", at end {'/'.join(f'{x:.2f}' for x in end)}" if end else "")
        + " (a shared machine moves figures by 20-30 %: read the spreads)",
        f"Code: commit {code.get('commit', '?')}, digest of mockserver/ fixtures/ openapi.yaml {code.get('digest')}",
        f"Stack: {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in m.get("packages", {}).items())
        + f"; node {m['node']}, prism-cli {m['prism']}, wrk {m['wrk']}",
    ]


def request_tables(report: dict[str, Any]) -> list[str]:
    out = []
    for req in REQUESTS:
        rows = []
        for name, s in report["summary"].get(req.name, {}).items():
            chk = report["checks"].get(req.name, {}).get(name, {})
            extra = ""
            if name.startswith("ceiling"):
                extra = "same bytes as ours" if chk.get("same_bytes_as_ours") else "BYTES DIFFER"
            elif name.startswith("prism"):
                extra = f"example {chk.get('example')!r}" if chk.get("example") else "not a documented example"
            rows.append(
                [
                    name,
                    fmt_spread(s["rps"], s["rps_min"], s["rps_max"], 0),
                    fmt_spread(s["p50"], s["p50_min"], s["p50_max"], 2),
                    fmt_spread(s["p99"], s["p99_min"], s["p99_max"], 2),
                    f"{chk.get('status', '?')}",
                    f"{s['non2xx_pct']:.0f}%",
                    f"{chk.get('bytes', '?')}",
                    str(s["socket_errors"]),
                    extra,
                ]
            )
        out.append(f"{req.label}: GET {req.target}" + (f"  [{req.headers[0][0]}]" if req.headers else ""))
        headers = ["target", "req/s", "p50 ms", "p99 ms", "status", "non-2xx", "bytes", "sock err", "answer"]
        out += [table(headers, rows), ""]
    return out


def server_ratios(report: dict[str, Any]) -> list[str]:
    """Each server against the other, for our mock and for the ceiling: the reason for the default."""
    first, other = SERVERS[0], SERVERS[1]
    rows = []
    for req in REQUESTS:
        s = report["summary"].get(req.name, {})
        row = [req.name]
        for kind in ("ours", "ceiling"):
            a, b = s.get(f"{kind}-{first}", {}).get("rps"), s.get(f"{kind}-{other}", {}).get("rps")
            row.append(f"{a / b:.2f}x" if a and b else "n/a")
        rows.append(row)
    return [f"Servers, req/s {first} / {other} (medians):", table(["request", "our mock", "ceiling"], rows), ""]


def one_at_a_time(report: dict[str, Any]) -> list[str]:
    out = []
    st = report["startup"]
    rows = [[n, fmt_spread(med(v), min(v), max(v), 2), str(len(v))] for n, v in st.items() if v]
    if (report.get("big") or {}).get("startup_s") is not None:
        rows.append([f"{OURS} --size {report['settings']['big_size']}", f"{report['big']['startup_s']:.2f}", "1"])
    out += [
        "Start-up, process spawn to first 200 on GET /v1/accounts (median [min-max] of fresh starts, s):",
        table(["target", "seconds", "starts"], rows),
        "",
    ]
    if report.get("cold"):
        rows = [
            [r.name, f"{c['cold_ms']:.2f}", f"{c['warm_ms']:.2f}", f"{c['cold_ms'] / c['warm_ms']:.2f}x"]
            for r in REQUESTS
            if (c := report["cold"].get(r.name))
        ]
        out += [
            f"{OURS}, one request at a time (ms, median of resets): cold = first answer after /__mock/reset "
            "empties every cache, warm = the same request again (answer kept):",
            table(["request", "cold ms", "warm ms", "cold/warm"], rows),
            "",
        ]
    batch = report.get("batch") or {}
    if batch.get("available"):
        out += [
            f"Batch of 50 Graph lists: {batch['batch_ms']:.2f} ms, one Graph list: {batch['single_ms']:.2f} ms "
            f"(medians, one at a time); answer {batch['status']} with {batch['items']} items, item statuses "
            f"{batch['item_statuses']}",
            "",
        ]
    rss = report.get("ours_rss", {})
    out.append(
        f"RSS of {OURS} after the run: VmRSS {rss.get('VmRSS', 0) / 1024:.1f} MiB (peak VmHWM "
        f"{rss.get('VmHWM', 0) / 1024:.1f} MiB); process groups: "
        + ", ".join(f"{n} {kb / 1024:.1f} MiB" for n, kb in report["rss_kb"].items())
    )
    return [*out, ""]


def large_and_more(report: dict[str, Any]) -> list[str]:
    out = []
    big = report.get("big") or {}
    if big.get("summary"):
        out.append(
            f"Large workspace (--size {report['settings']['big_size']}, key {BIG_KEY}), RSS "
            f"{big['rss_kb'].get('VmRSS', 0) / 1024:.1f} MiB:"
        )
        rows = []
        for name, label in (("page1", "page 1 (100/page)"), ("last", "page 1000 (last)")):
            s, a = big["summary"][name], big["answers"][name]
            rows.append(
                [
                    label,
                    f"{big['cold'][name]['cold_ms']:.1f}",
                    fmt_spread(s["rps"], s["rps_min"], s["rps_max"], 0),
                    fmt_spread(s["p50"], s["p50_min"], s["p50_max"], 2),
                    fmt_spread(s["p99"], s["p99_min"], s["p99_max"], 2),
                    f"{a['status']} {a['items']} items {a['bytes']} B",
                ]
            )
        out += [table(["page", "cold ms", "req/s", "p50 ms", "p99 ms", "answer"], rows), ""]
    post = big.get("post")
    if post:
        s = post["summary"]
        out += [
            f"POST of distinct new accounts into that world (other agency): "
            f"{fmt_spread(s['rps'], s['rps_min'], s['rps_max'], 0)} req/s, p99 "
            f"{fmt_spread(s['p99'], s['p99_min'], s['p99_max'], 2)} ms, {s['non2xx_pct']:.1f}% non-2xx; "
            f"{post['posted']} POSTs of {post['accounts']} accounts available",
            "",
        ]
    wk = report.get("workers") or {}
    if wk.get("available"):
        rows = [
            [
                n,
                fmt_spread(s["rps"], s["rps_min"], s["rps_max"], 0),
                fmt_spread(s["p99"], s["p99_min"], s["p99_max"], 2),
            ]
            for n, s in wk["summary"].items()
        ]
        out += [f"Workers on the KlayrAI list (state: {wk['state']}):", table(["", "req/s", "p99 ms"], rows), ""]
    return out


def render(report: dict[str, Any]) -> str:
    s = report["settings"]
    out = ["=" * 100, *machine_lines(report["machine"])]
    out.append(
        f"Load: wrk -t{s['threads']} -c{s['connections']}, {s['repeats']} rounds x {s['duration']} s per "
        f"request and target, after {s['warmup']} s warm-up; target order rotates each round. Values: median "
        "[min-max] over rounds."
    )
    out.append(
        f"Targets: ours-X = mockserver serve --server X (defaults: validation, auth, journal on; {OURS} is "
        "what users get); ceiling-X = bare Starlette on server X serving our recorded bytes (same server "
        "call); prism = Prism with its defaults"
    )
    out += ["", *request_tables(report), *server_ratios(report), *one_at_a_time(report), *large_and_more(report)]
    out += [
        "Targets of the issue:",
        table(
            ["", "target", "request", "measured"],
            [[verdict(r["ok"]), r["target"], r["request"], r["measured"]] for r in judge(report)],
        ),
    ]
    out.append("")
    out.append("Prism's answers (same requests):")
    for req in REQUESTS:
        chk = report["checks"].get(req.name, {}).get("prism")
        if chk:
            out.append(
                f"  prism {req.name:<8} -> {chk.get('status')} {chk.get('bytes')} B, documented example: "
                f"{chk.get('example')!r}; sl-violations: {chk.get('violations', '')[:160]}"
            )
    out.append("=" * 100)
    return "\n".join(out)
