"""The package as a user who never cloned this repository gets it: the sdist and the wheel are built once per run,
the wheel is installed with PyPI's `fixtures` into a fresh virtual environment, and every command runs from a folder
outside the checkout, so that nothing can come from the source tree. The user's pytest file is the README's example.

Slow (a fresh install): `pytest -m "not packaging"` leaves it out. The first run downloads the dependencies into a
wheelhouse in pytest's cache (.pytest_cache/); later runs install from it without the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from mockserver.contract.spec import default_contract
from mockserver.testing import RunningMock, serve_process
from tests.conftest import DOC_KEY
from tests.paths import ROOT, SEEDS

pytestmark = pytest.mark.packaging

SEED_PAGE = SEEDS / "klayrai-accounts-api.txt"
DISTRIBUTION = "klayrai_contract_kit"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
CONTRACT_VERSION = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))["info"]["version"]
PYPI_FIXTURES = "fixtures"  # the testing-cabal library whose import name our old layout took

PLUGIN_CHECK = """

def test_the_plugin_comes_from_the_installed_wheel(pytestconfig):
    plugin = pytestconfig.pluginmanager.get_plugin("mockserver")
    assert "site-packages" in plugin.__file__, plugin.__file__
"""


def readme_example() -> str:
    """The README's pytest example for a project that never saw this repository, verbatim."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("**The mock in your tests.**", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


@dataclass(frozen=True)
class Installed:
    venv: Path
    home: Path  # the user's project folder: outside the checkout, the working directory of every command
    env: dict[str, str]

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, *argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=self.home, env=self.env, capture_output=True, text=True, timeout=timeout)


def checked(argv: list[str], cwd: Path | None = None) -> str:
    """Run a build or install step; its output is the failure message."""
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(argv)}\n{done.stdout}{done.stderr}"
    return done.stdout


def build(hook: str, source: Path, out: Path) -> Path:
    """Call hatchling's PEP 517 hook as `python -m build` does (`build_sdist`, `build_wheel`), in `source`."""
    code = f"import hatchling.build as b; print(b.{hook}({str(out)!r}))"
    return out / checked([sys.executable, "-c", code], cwd=source).strip().splitlines()[-1]


def install(python: Path, requirements: list[str], wheelhouse: Path) -> None:
    """pip install into the venv at `python`, offline from `wheelhouse`; fill it from the index first if it lacks
    something (the index sends no cache headers here, so pip's own cache keeps nothing)."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    offline = [*pip, "--python", str(python), "install", "--no-compile", "--no-index", "--find-links", str(wheelhouse)]
    if subprocess.run([*offline, *requirements], capture_output=True).returncode == 0:
        return
    checked([*pip, "download", "--dest", str(wheelhouse), *requirements])
    for ours in wheelhouse.glob(f"{DISTRIBUTION}-*"):
        ours.unlink()  # the wheel under test is always the one just built
    checked([*offline, *requirements])


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The wheel built from the checkout, and the one built from the sdist (as `python -m build` makes it)."""
    dist = tmp_path_factory.mktemp("dist")
    direct = build("build_wheel", ROOT, tmp_path_factory.mktemp("direct"))
    sdist = build("build_sdist", ROOT, dist)
    with tarfile.open(sdist) as archive:
        archive.extractall(dist, filter="tar")
    return direct, build("build_wheel", dist / sdist.name.removesuffix(".tar.gz"), dist)


@pytest.fixture(scope="module")
def installed(
    wheels: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Installed:
    venv = tmp_path_factory.mktemp("venv")
    checked([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider: then nothing is kept
    wheelhouse = cache.mkdir("packaging-wheelhouse") if cache else tmp_path_factory.mktemp("wheelhouse")
    install(venv / "bin" / "python", [str(wheels[1]), PYPI_FIXTURES], wheelhouse)
    # Nothing from the checkout's environment; bytecode written (installed with --no-compile, each module is compiled
    # once, by the first command that imports it, instead of by every command).
    dropped = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return Installed(venv, tmp_path_factory.mktemp("user-project"), env)


@pytest.fixture(scope="module")
def server(installed: Installed) -> Iterator[RunningMock]:
    """`mockserver serve` of the installed package, from the user's folder."""
    with serve_process([installed.bin("mockserver"), "serve"], cwd=installed.home, env=installed.env) as (running, _):
        yield running


def test_the_sdist_builds_the_same_wheel(wheels: tuple[Path, Path]) -> None:
    direct, from_sdist = (zipfile.ZipFile(wheel) for wheel in wheels)
    assert sorted(direct.namelist()) == sorted(from_sdist.namelist())
    record = f"{DISTRIBUTION}-{VERSION}.dist-info/RECORD"  # a hash of every file: same contents too
    assert direct.read(record) == from_sdist.read(record)


def test_the_wheel_carries_the_contract_and_the_world(wheels: tuple[Path, Path]) -> None:
    wheel = zipfile.ZipFile(wheels[1])
    assert wheel.read("mockserver/openapi.yaml") == (ROOT / "openapi.yaml").read_bytes()
    assert wheel.read("mockserver/world/default_world.json") == (ROOT / "fixtures" / "default_world.json").read_bytes()
    assert "klayrai_conformance/schemathesis.toml" in wheel.namelist()
    dashboard = ROOT / "mockserver" / "controls" / "dashboard"
    for page in [
        *(dashboard / "static").rglob("*.*"),
        *(dashboard / "swagger").glob("*.*"),
        *(dashboard / "sign_in").glob("*.*"),
    ]:
        name = page.relative_to(ROOT).as_posix()
        assert wheel.read(name) == page.read_bytes(), name  # the dashboard and Swagger UI's page are package data
    tops = {name.split("/")[0] for name in wheel.namelist() if not name.startswith(f"{DISTRIBUTION}-")}
    assert tops == {"mockserver", "klayrai_conformance"}  # nothing named fixtures or conformance


def test_serve_answers_the_seed_page_request(server: RunningMock) -> None:
    response = httpx.get(f"{server.base_url}/v1/accounts", headers={"x-api-key": DOC_KEY})
    assert response.status_code == 200
    page = SEED_PAGE.read_text(encoding="utf-8").split("\nResponse\n", 1)[1].split("\nAccount object fields", 1)[0]
    assert response.json() == json.loads(page)


def test_swagger_ui_shows_the_packaged_contract(server: RunningMock) -> None:
    assert httpx.get(f"{server.base_url}/ui/").status_code == 200
    assert httpx.get(f"{server.base_url}/ui/try-it.js").status_code == 200
    assert httpx.get(f"{server.base_url}/__mock/ui/js/main.js").status_code == 200
    served = httpx.get(f"{server.base_url}/openapi.json").json()
    contract = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    assert (served["info"], sorted(served["paths"])) == (contract["info"], sorted(contract["paths"]))


def test_the_kit_passes_the_installed_mock(installed: Installed, server: RunningMock) -> None:
    """Every rule runs (probes, and schemathesis with the packaged schemathesis.toml); a short budget, since
    test_conformance_mock runs the full one."""
    argv = ["run", "--base-url", server.base_url, "--phases", "probes,coverage", "--max-examples", "5"]
    done = installed.run(installed.bin("conformance"), *argv)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 failed), 0 skipped, 0 kit errors" in done.stdout


def test_examples_writes_validated_payloads(installed: Installed) -> None:
    out = installed.home / "examples"
    done = installed.run(installed.bin("mockserver"), "examples", "--out", str(out))
    assert done.returncode == 0, done.stderr
    written = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.json"))
    assert done.stderr.strip() == f"examples: wrote {len(written)} payloads under {out}"
    assert {path.split("/")[0] for path in written} == set(default_contract().operations)
    page = json.loads((out / "listAccounts" / "200" / "seed_page.json").read_text(encoding="utf-8"))
    assert [account["id"] for account in page["data"]] == ["act_001", "act_002"]


def test_the_pytest_plugin_serves_a_project_that_never_saw_this_repository(installed: Installed) -> None:
    (installed.home / "test_with_the_mock.py").write_text(readme_example() + PLUGIN_CHECK, encoding="utf-8")
    done = installed.run(
        installed.bin("python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_with_the_mock.py"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_pypi_fixtures_keeps_its_import_name(installed: Installed) -> None:
    code = "import fixtures; print(fixtures.Fixture.__module__, fixtures.__file__)"
    done = installed.run(installed.bin("python"), "-c", code)
    assert done.returncode == 0, done.stderr
    module, path = done.stdout.split()
    assert module == "fixtures.fixture" and Path(path).is_relative_to(installed.venv)


@pytest.mark.parametrize(("module", "prog"), [("mockserver", "mockserver"), ("klayrai_conformance", "conformance")])
def test_version_of_the_installed_commands(installed: Installed, module: str, prog: str) -> None:
    done = installed.run(installed.bin("python"), "-m", module, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{prog} {VERSION} (contract openapi.yaml {CONTRACT_VERSION})\n"
