#!/usr/bin/env python3
"""`python benchmarks/run.py`: the benchmark (see benchmarks/__init__.py), run from a checkout."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The package by its name, not this folder's modules at top level (which would shadow stdlib names).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from benchmarks.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
