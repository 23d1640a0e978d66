"""The coverage files a run writes (`--coverage`, `--coverage-html`) and the `--coverage-min` gate after it."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from klayrai_conformance import coverage_html
from klayrai_conformance.report import EXIT_VIOLATIONS, Report
from mockserver.contract.responses import never_seen


def write_coverage(report: Report, args: argparse.Namespace, out: TextIO) -> int:
    """Write the coverage files asked for; the exit code, 1 when coverage is below `--coverage-min`."""
    data = report.coverage_json()
    for path, text in ((args.coverage, json.dumps(data, indent=2)), (args.coverage_html, coverage_html.render(data))):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(report.masker(text + "\n" if path == args.coverage else text), encoding="utf-8")
    percent = data["summary"]["percent"]
    if args.coverage_min is None or percent >= args.coverage_min:
        return report.exit_code
    missing = never_seen(data)
    out.write(f"COVERAGE {percent}% is below --coverage-min {args.coverage_min:g}%; never seen:\n")
    out.write("".join(f"  {line}\n" for line in missing) + "RESULT: coverage too low (exit 1)\n")
    return EXIT_VIOLATIONS
