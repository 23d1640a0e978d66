"""The kit judges the contract, not the mock's code: it may load the contract (and the packaged resources) from
`mockserver`, and read the default world's credential constants in one place, but never import behaviour code,
so that a bug of the mock cannot be shared by the kit that tests it."""

from __future__ import annotations

import ast
from pathlib import Path

import klayrai_conformance

KIT = Path(klayrai_conformance.__file__).resolve().parent
# What the kit may share with the mock: the contract as loaded and compiled (one router for every part), its
# documented responses (which coverage counts),
# what counts as a secret and how it is masked, packaged files, and `--version`'s package name. Never behaviour.
ALLOWED = {
    "mockserver.contract.spec",
    "mockserver.contract.operations",
    "mockserver.contract.responses",
    "mockserver.contract.secrets",
    "mockserver.resources",
    "mockserver.version",
}
CREDENTIALS_MODULE = "mockserver.world.credentials"  # the default world's constants: for a loopback mock only
CREDENTIALS_IMPORTER = "target.py"


def mockserver_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "mockserver"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "mockserver":
            found += [node.module] if node.module != "mockserver" else [f"mockserver.{a.name}" for a in node.names]
    return found


def test_the_kit_imports_no_behaviour_code_of_the_mock() -> None:
    wrong = {}
    credentials = []
    for path in sorted(KIT.glob("*.py")):
        for module in mockserver_imports(path):
            if module == CREDENTIALS_MODULE:
                credentials.append(path.name)
            elif module not in ALLOWED:
                wrong.setdefault(path.name, []).append(module)
    assert not wrong, f"the kit imports behaviour code of the mock: {wrong}"
    assert credentials == [CREDENTIALS_IMPORTER], f"the world's credentials are imported in {credentials}"


def test_the_check_sees_an_import_of_the_mocks_behaviour(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text("import mockserver.apis.graph.edge\nfrom mockserver import store\n", encoding="utf-8")
    assert mockserver_imports(module) == ["mockserver.apis.graph.edge", "mockserver.store"]
