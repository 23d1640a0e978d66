"""`python -m benchmarks`: the benchmark (see benchmarks/__init__.py); `python -m benchmarks shared-state`: memory
against Redis, one process against two workers and two replicas (see benchmarks/shared_state.py)."""

import sys

from benchmarks.cli import main

if sys.argv[1:2] == ["shared-state"]:
    from benchmarks.shared_state import main as shared_state

    raise SystemExit(shared_state(sys.argv[2:]))
raise SystemExit(main())
