"""Writing a world out: canonical JSON (the same world, the same bytes), YAML for hand editing, and the
`mockserver world` command."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from mockserver.world import DEFAULT_SEED, DEFAULT_SIZE
from mockserver.world.generator import generate

Json = dict[str, Any]


def dump(world: Json) -> bytes:
    """Canonical JSON: insertion order, indent 1, UTF-8, trailing newline; the same world gives the same bytes."""
    return (json.dumps(world, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


class _NoAliasDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe YAML (libyaml when present) that writes a repeated object out again instead of as an anchor."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(world: Json) -> bytes:
    """The same world as YAML, key order kept: for people who edit a world by hand."""
    return yaml.dump(world, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=120).encode("utf-8")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def main(argv: list[str] | None = None) -> int:
    """CLI: write a world for `--seed`/`--size` to `--out` or stdout."""
    parser = argparse.ArgumentParser(
        prog="mockserver world", description="Generate a fixture world (fixtures/FORMAT.md)."
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"RNG seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--size", type=_positive, default=DEFAULT_SIZE, help=f"accounts in ws_agency (default {DEFAULT_SIZE})"
    )
    parser.add_argument("--out", type=Path, help="file to write (default: stdout)")
    parser.add_argument("--format", choices=("json", "yaml"), default="json", help="output format (default json)")
    args = parser.parse_args(argv)
    world = generate(args.seed, args.size)
    data = dump(world) if args.format == "json" else dump_yaml(world)
    if args.out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        args.out.write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
