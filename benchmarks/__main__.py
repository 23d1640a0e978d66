"""`python -m benchmarks [--flags]`: the full benchmark (see benchmarks/__init__.py); `python -m benchmarks NAME
[--flags]`: one focused benchmark by name (`--help` after the name lists its flags)."""

import importlib
import sys

FOCUSED = {
    "shared-state": "benchmarks.shared_state",  # memory against Redis, one worker against two
    "journal-memory": "benchmarks.journal_memory",  # RSS over 100,000 requests
    "proxy-latency": "benchmarks.proxy_latency",  # what the validating proxy adds
    "batch-ratio": "benchmarks.batch_ratio",  # a batch of 50 against one read
    "compression": "benchmarks.compression",  # gzip's CPU per request
    "in-process": "benchmarks.in_process",  # each app's own Python per request, no server: mock, no journal, ceiling
}

args = sys.argv[1:]
if args and args[0] in FOCUSED:
    raise SystemExit(importlib.import_module(FOCUSED[args[0]]).main(args[1:]))
from benchmarks.cli import main  # noqa: E402  (the full run's modules load only for it)

raise SystemExit(main(args))
