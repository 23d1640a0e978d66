"""Where the tests find the repository's files, whatever folder of tests/ they live in."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "seeds"
