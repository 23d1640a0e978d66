"""The structure the tree promises, measured: no import cycles (module-level, deferred and TYPE_CHECKING imports all
count), no module over 300 lines, no `sys.path` edits, and tests that mirror the source tree."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT

PACKAGES = {"mockserver": ROOT / "mockserver", "klayrai_conformance": ROOT / "conformance" / "klayrai_conformance"}
TREES = [*PACKAGES.values(), ROOT / "benchmarks"]  # source modules; tests may run longer
MAX_LINES = 300


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in {**PACKAGES, "benchmarks": ROOT / "benchmarks", "tests": ROOT / "tests"}.items():
        for path in folder.rglob("*.py"):
            if "node_modules" in path.parts:
                continue
            parts = [package, *path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported(path: Path, name: str, known: dict[str, Path]) -> Iterator[str]:
    """Every project module `path` imports, wherever the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    known = modules()
    graph = {name: set(imported(path, name, known)) for name, path in known.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    # A package's __init__ importing its own modules is no cycle of meaning; none of ours does.
    assert cycles() == []


@pytest.mark.parametrize("tree", TREES, ids=lambda tree: tree.name)
def test_no_module_over_300_lines(tree: Path) -> None:
    lengths = {str(path.relative_to(ROOT)): len(path.read_text().splitlines()) for path in tree.rglob("*.py")}
    long = {name: lines for name, lines in lengths.items() if lines > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize("tree", [*TREES, ROOT / "tests"], ids=lambda tree: tree.name)
def test_no_sys_path_edits(tree: Path) -> None:
    edits = [
        str(path.relative_to(ROOT))
        for path in tree.rglob("*.py")
        if "sys.path" in path.read_text(encoding="utf-8") and path != Path(__file__)
    ]
    assert edits == []


def test_tests_mirror_the_tree() -> None:
    """Test modules live in a folder named for the part they test, never flat in tests/."""
    flat = sorted(p.name for p in (ROOT / "tests").glob("test_*.py") if p.name != Path(__file__).name)
    assert flat == []
